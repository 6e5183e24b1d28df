{{/*
Helpers of the dcm-poll-bridge chart. The chart keeps to the template functions its offline renderer
(test/support/helm-chart.ts) implements, so CI renders and validates it without a helm binary.
*/}}

{{/* The chart name, overridable. */}}
{{- define "dcm-poll-bridge.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name (a DNS label): the release name when it already holds the chart name. */}}
{{- define "dcm-poll-bridge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := .Values.nameOverride | default .Chart.Name }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "dcm-poll-bridge.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "dcm-poll-bridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels the Deployment selects its pods by, and the Service, ServiceMonitor and PodDisruptionBudget too. */}}
{{- define "dcm-poll-bridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dcm-poll-bridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "dcm-poll-bridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- .Values.serviceAccount.name | default (include "dcm-poll-bridge.fullname" .) }}
{{- else }}
{{- .Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{/* True (non-empty) when the bridge runs as several replicas in cluster mode. */}}
{{- define "dcm-poll-bridge.clustered" -}}
{{- if gt (int .Values.replicaCount) 1 }}true{{ end }}
{{- end }}

{{/*
The bridge's configuration: config from the values, with what the chart owns set over it: api.listen on the
container port (the probes and the Service reach it there) and, with several replicas, cluster.enabled.
*/}}
{{- define "dcm-poll-bridge.configYaml" -}}
{{- $config := deepCopy .Values.config }}
{{- $api := default (dict) $config.api }}
{{- $_ := set $api "listen" (printf ":%d" (int .Values.service.containerPort)) }}
{{- $_ := set $config "api" $api }}
{{- if include "dcm-poll-bridge.clustered" . }}
{{- $cluster := default (dict) $config.cluster }}
{{- $_ := set $cluster "enabled" true }}
{{- $_ := set $config "cluster" $cluster }}
{{- end }}
{{- toYaml $config }}
{{- end }}

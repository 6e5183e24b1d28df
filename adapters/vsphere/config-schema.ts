import type { Schema } from 'convict';
import { oneOf, requiredString } from '../../src/config/index.js';
import { apiFlavorSettings } from './api-flavors.js';

/** The vSphere keys of an endpoint, beside the common ones (convict fragments, see `validateEndpoint`). */
export const vsphereConfigSchema: { readonly options: Schema<Record<string, unknown>>; readonly credentials: Schema<Record<string, unknown>> } = {
  options: {
    apiFlavor: {
      doc: 'vCenter API: vim (the Web Services API, SOAP at /sdk, 6.5–8.x; custom attributes), api (REST /api, 7.0 U2+), rest (REST /rest, 6.5–7.0) or auto (vim when selector.source is customAttribute; otherwise try /api, fall back to /rest on 404, then keep it).',
      format: oneOf(apiFlavorSettings),
      default: 'auto',
    },
  },
  credentials: {
    username: { doc: 'vCenter SSO user with read access to VMs and their tags or custom attributes, e.g. svc-dcm@vsphere.local.', format: requiredString, default: null },
    password: { doc: 'Its password; write ${env:…} or ${file:…}.', format: requiredString, default: null, sensitive: true },
  },
};

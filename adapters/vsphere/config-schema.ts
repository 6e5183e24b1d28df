import type { Schema } from 'convict';
import { apiFlavorSettings } from './api-flavors.js';

type Format = (value: unknown) => void;

const nonEmptyString: Format = (value) => {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(value === null || value === undefined ? 'is required' : 'must be a non-empty string');
};

const flavorSetting: Format = (value) => {
  if (typeof value !== 'string' || !(apiFlavorSettings as readonly string[]).includes(value)) {
    throw new Error(`must be one of ${apiFlavorSettings.join(', ')}; got ${JSON.stringify(value)}`);
  }
};

/** The vSphere keys of an endpoint, beside the common ones (convict fragments, see `validateEndpoint`). */
export const vsphereConfigSchema: { readonly options: Schema<Record<string, unknown>>; readonly credentials: Schema<Record<string, unknown>> } = {
  options: {
    apiFlavor: {
      doc: 'vCenter REST flavor: api (/api, 7.0 U2+), rest (/rest, 6.5–7.0) or auto (try /api, fall back to /rest on 404, then keep it).',
      format: flavorSetting,
      default: 'auto',
    },
  },
  credentials: {
    username: { doc: 'vCenter SSO user with read access to VMs and tags, e.g. svc-dcm@vsphere.local.', format: nonEmptyString, default: null },
    password: { doc: 'Its password; write ${env:…} or ${file:…}.', format: nonEmptyString, default: null, sensitive: true },
  },
};

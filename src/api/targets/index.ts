export { parseIp, parseCidr, cidrContains, unwrapIpv4, classifyAddress } from './ip.js';
export type { IpAddress, Cidr, AddressClass } from './ip.js';
export { createTargetPolicy, judgeAddress, parseTargetEntry, systemResolver } from './target-policy.js';
export type { TargetPolicy, TargetPolicySettings, TargetEntry, TargetVerdict, Resolver } from './target-policy.js';

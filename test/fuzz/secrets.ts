/**
 * Secrets planted in the fuzzed configurations and registrations. Each is
 * distinctive, so finding one (or its first 12 characters, in case a
 * message cut it) in any output is a leak, never a coincidence.
 */
export const plantedSecrets = {
  vspherePassword: 'PLANTEDvsph-Zq81xW4kLr2Tn',
  openstackPassword: 'PLANTEDosPw-Hc93mQ7vBe5Yd',
  applicationCredentialSecret: 'PLANTEDappCr-Jw26pS8nFt4Ux',
  ec2AccessKeyId: 'AKIAPLANTEDK7Q2M9WZ4',
  ec2SecretAccessKey: 'PLANTEDaws-Vr57cN1hXz9Lq3Ke8Bm0Pd6Ty',
  ec2SessionToken: 'PLANTEDsess-Gb48tJ2wRy6Nu1',
  natsPassword: 'PLANTEDnats-Mf65kD3sAq9Wo',
  natsToken: 'PLANTEDntok-Ey72hU5cLp8Zi',
  apiWriteToken: 'PLANTEDwrite-Tk39vG6bNd2Rx',
  apiReadToken: 'PLANTEDread-Sa14yF7mKw5Jc',
  fileToken: 'PLANTEDfile-Xn83qB2zHv6Lg',
  redisUrlPassword: 'PLANTEDredis-Cu51dP9eWt3Mh',
  redisPassword: 'PLANTEDrpass-Wd26gK4nXs8Fb',
  /** An api.credentialKeys key: base64 of 32 bytes. */
  credentialKey: 'UExBTlRFRGtleS1SYjcyc1c5eFFlNExtMFljNU50OFY=',
} as const;

const fragments = Object.values(plantedSecrets).flatMap((secret) => [secret, secret.slice(0, 12)]);

/** The planted secrets (or their 12-character heads) that occur in `text`. */
export function leakedSecrets(text: string): string[] {
  return fragments.filter((fragment) => text.includes(fragment));
}

import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** A satellite's token, as a salted hash (`sha256$<salt>$<hash>`, base64url). The token itself is shown once and never stored. */
export interface SatelliteCredentialRow {
  satelliteId: string;
  tokenHash: string;
  createdAt: number;
  rotatedAt: number;
  /** From the sequence `satellite_credential_generations`: new on every change, never reused. */
  generation: number;
}

export const SatelliteCredentialSchema = new EntitySchema<SatelliteCredentialRow>({
  name: 'SatelliteCredential',
  tableName: 'satellite_credentials',
  properties: {
    satelliteId: { type: 'string', length: 128, primary: true },
    tokenHash: { type: 'string', length: 255 },
    createdAt: { type: new BigIntType('number') },
    rotatedAt: { type: new BigIntType('number') },
    generation: { type: new BigIntType('number') },
  },
});

import { z } from 'zod';
import { gitCommitSha, s3ObjectUri, versionLabel } from '../primitives';

export const lineageSchema = z.strictObject({
  datasetVersion: versionLabel,
  codeCommit: gitCommitSha,
  featureSetVersion: versionLabel,
  evaluationReportUri: s3ObjectUri,
});

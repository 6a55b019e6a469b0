import { z } from 'zod';
import { gitCommitSha, s3ObjectUri, versionLabel } from '../primitives';

/** @internal the lineage contract (`LineageProps`): the same keys */
export const lineageSchema = z.strictObject({
  datasetVersion: versionLabel,
  codeCommit: gitCommitSha,
  featureSetVersion: versionLabel,
  evaluationReportUri: s3ObjectUri,
});

import { lineageSchema } from './schemas/lineage';
import { validateOrThrow } from './validation';

/**
 * What must be recorded for every model version the library registers, so that anyone can
 * rebuild it: the data it saw, the code that trained it, the features it used and the evidence
 * that it passed its gate.
 */
export interface LineageProps {
  /**
   * Version of the training data set (a DVC / lakeFS tag, an S3 object version, a table snapshot id).
   */
  readonly datasetVersion: string;

  /**
   * Full 40-character git commit SHA of the training code.
   */
  readonly codeCommit: string;

  /**
   * Version of the feature set the model was trained on (see `FeatureStore`).
   */
  readonly featureSetVersion: string;

  /**
   * `s3://` URI of the evaluation report that the go/no-go gate read.
   */
  readonly evaluationReportUri: string;
}


/**
 * The lineage contract: validation and its rendering as SageMaker model package customer
 * metadata (also used as MLflow tags on Kubernetes).
 */
export class Lineage {
  /** Metadata key holding the data set version. */
  public static readonly DATASET_VERSION_KEY = 'lineage:dataset-version';
  /** Metadata key holding the code commit. */
  public static readonly CODE_COMMIT_KEY = 'lineage:code-commit';
  /** Metadata key holding the feature-set version. */
  public static readonly FEATURE_SET_VERSION_KEY = 'lineage:feature-set-version';
  /** Metadata key holding the evaluation report URI. */
  public static readonly EVALUATION_REPORT_KEY = 'lineage:evaluation-report';

  /**
   * Every lineage metadata key, in the order of `LineageProps`: what the promotion on approval
   * requires of a model package by default (`ApprovalPromotion.requiredLineageKeys`).
   */
  public static metadataKeys(): string[] {
    return [Lineage.DATASET_VERSION_KEY, Lineage.CODE_COMMIT_KEY, Lineage.FEATURE_SET_VERSION_KEY, Lineage.EVALUATION_REPORT_KEY];
  }

  /**
   * Validate a lineage record; throws `MlopsValidationError` naming every missing or malformed field.
   *
   * @param lineage the record
   * @param where what to name as the owner in the error (a construct path)
   */
  public static validate(lineage: LineageProps, where: string = 'Lineage'): void {
    validateOrThrow(where, lineageSchema, lineage);
  }

  /**
   * Render a lineage record as `CustomerMetadataProperties` of a model package, after validating it.
   *
   * @param lineage the record
   * @param where what to name as the owner in the error (a construct path)
   */
  public static toCustomerMetadata(lineage: LineageProps, where: string = 'Lineage'): Record<string, string> {
    Lineage.validate(lineage, where);
    return {
      [Lineage.DATASET_VERSION_KEY]: lineage.datasetVersion,
      [Lineage.CODE_COMMIT_KEY]: lineage.codeCommit,
      [Lineage.FEATURE_SET_VERSION_KEY]: lineage.featureSetVersion,
      [Lineage.EVALUATION_REPORT_KEY]: lineage.evaluationReportUri,
    };
  }

  /**
   * Read a lineage record back from model package customer metadata, validating it (a model
   * package registered outside the library may lack it).
   *
   * @param metadata the `CustomerMetadataProperties` of a model package
   * @param where what to name as the owner in the error (e.g. the model package ARN)
   */
  public static fromCustomerMetadata(metadata: Record<string, string>, where: string = 'Lineage'): LineageProps {
    const lineage = {
      datasetVersion: metadata[Lineage.DATASET_VERSION_KEY],
      codeCommit: metadata[Lineage.CODE_COMMIT_KEY],
      featureSetVersion: metadata[Lineage.FEATURE_SET_VERSION_KEY],
      evaluationReportUri: metadata[Lineage.EVALUATION_REPORT_KEY],
    } as LineageProps;
    Lineage.validate(lineage, where);
    return lineage;
  }

  private constructor() {}
}

import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { standardLabels } from '../../k8s/private/labels';

/**
 * The External Secrets Operator's API version of the objects below: `external-secrets.io/v1`, the
 * one served and stored version of `SecretStore` and `ExternalSecret` in ESO v2.9.0
 * (config/crds/bases/external-secrets.io_{secretstores,externalsecrets}.yaml, vendored in schemas/crds).
 */
const ESO_API_VERSION = 'external-secrets.io/v1';
/** The IRSA annotation ESO reads on the store's ServiceAccount (ESO v2.9.0 providers/v1/aws/auth/auth.go, `roleARNAnnotation`). */
const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** How often ESO reads the Secrets Manager secret again (a changed URI reaches the pods' mounted file within it). */
export const MLFLOW_BACKEND_SECRET_REFRESH = '1h';
/** Name of the ServiceAccount, SecretStore and ExternalSecret. */
export const MLFLOW_SECRET_STORE_NAME = 'mlflow-backend-store';

/** What the External Secrets Operator's objects of MLflow's backend store URI are made of. */
export interface MlflowBackendSecretSyncProps {
  /** The MLflow namespace (the registry's). */
  readonly namespace: string;
  /** The Kubernetes Secret the MLflow Deployment mounts, and its key. */
  readonly secretName: string;
  readonly secretKey: string;
  /** The Secrets Manager secret holding the backend store URI (its full ARN, or its name). */
  readonly remoteKey: string;
  /** The secret's region. */
  readonly region: string;
  /** The role ESO assumes with the ServiceAccount's token (IRSA). */
  readonly roleArn: string;
}

/**
 * The MLflow backend store URI, synced from Secrets Manager by the External Secrets Operator into
 * the Kubernetes Secret the MLflow Deployment mounts: a ServiceAccount carrying the IRSA role, a
 * namespaced `SecretStore` (AWS Secrets Manager, jwt auth with that ServiceAccount: ESO requests
 * its token for `sts.amazonaws.com` and assumes the annotated role, auth.go `credsFromServiceAccount`)
 * and an `ExternalSecret` owning the target Secret. No secret value is in the manifest.
 */
export class MlflowBackendSecretSync extends Construct {
  public readonly serviceAccountName = MLFLOW_SECRET_STORE_NAME;
  public readonly serviceAccount: ApiObject;
  public readonly secretStore: ApiObject;
  public readonly externalSecret: ApiObject;

  constructor(scope: Construct, id: string, props: MlflowBackendSecretSyncProps) {
    super(scope, id);
    const labels = standardLabels('mlflow', 'mlflow', 'backend-store-secret');
    const metadata = { name: MLFLOW_SECRET_STORE_NAME, namespace: props.namespace, labels };
    this.serviceAccount = new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { ...metadata, annotations: { [ROLE_ARN_ANNOTATION]: props.roleArn } },
      // No pod runs as it: ESO's controller requests its token (TokenRequest) for the store.
      automountServiceAccountToken: false,
    } as any);
    this.secretStore = new ApiObject(this, 'SecretStore', {
      apiVersion: ESO_API_VERSION,
      kind: 'SecretStore',
      metadata,
      spec: {
        provider: {
          aws: {
            service: 'SecretsManager',
            region: props.region,
            auth: { jwt: { serviceAccountRef: { name: MLFLOW_SECRET_STORE_NAME } } },
          },
        },
      },
    });
    this.externalSecret = new ApiObject(this, 'ExternalSecret', {
      apiVersion: ESO_API_VERSION,
      kind: 'ExternalSecret',
      metadata,
      spec: {
        refreshInterval: MLFLOW_BACKEND_SECRET_REFRESH,
        secretStoreRef: { kind: 'SecretStore', name: MLFLOW_SECRET_STORE_NAME },
        // ESO creates the Secret and owns it (deleted with the ExternalSecret).
        target: { name: props.secretName, creationPolicy: 'Owner' },
        data: [{ secretKey: props.secretKey, remoteRef: { key: props.remoteKey } }],
      },
    });
  }
}

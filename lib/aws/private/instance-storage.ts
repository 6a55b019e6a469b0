/**
 * Instance families with local NVMe instance storage. SageMaker rejects a volume KMS key for them
 * (ProductionVariant.KmsKeyId, ResourceConfig.VolumeKmsKeyId, ClusterConfig.VolumeKmsKeyId): their
 * instance store is encrypted by the hardware. Source: SageMaker API reference, ResourceConfig.
 */
const INSTANCE_STORAGE_FAMILIES = [
  'g4dn', 'g5', 'g6', 'g6e', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n',
  'm5d', 'c5d', 'r5d', 'm6id', 'c6id', 'r6id',
];

/** Whether `instanceType` (`ml.g5.xlarge` or `g5.xlarge`) has local NVMe storage. */
export function hasInstanceStorage(instanceType: string): boolean {
  return INSTANCE_STORAGE_FAMILIES.includes(instanceType.replace(/^ml\./, '').split('.')[0]);
}

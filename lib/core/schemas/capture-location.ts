import { z } from 'zod';

/**
 * @internal The `capture` prop of the AWS monitors (`DriftMonitor`, `DataQualityMonitor`,
 * `ModelQualityMonitor`): `GpuServingEndpoint.dataCaptureLocation`, which is undefined when the
 * endpoint's data capture is off (`dataCapture: { enabled: false }`). Such an endpoint has no traffic
 * to watch, so it is refused here, naming the prop, rather than failing later on `capture.bucket`.
 * Otherwise a construct reference: the type system checks it.
 */
export const captureLocationRef = z.any().refine(
  (v) => v !== null && typeof v === 'object' && (v as { bucket?: unknown }).bucket !== undefined,
  'must be the data capture location of an endpoint whose data capture is on (GpuServingEndpoint.dataCaptureLocation is undefined ' +
    'when dataCapture.enabled is false): turn data capture on at the endpoint',
);

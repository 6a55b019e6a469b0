// Code that runs in the cloud or a terminal: only core and @aws-sdk/* may be imported here.
export * from './variant-assignment';
export * from './experiment-analysis';

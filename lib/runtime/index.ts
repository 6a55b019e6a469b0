// Code that runs in the cloud or a terminal (Lambda handlers, the drift job CLI, the sticky A/B
// assignment helper) lands here with issues #3 and #4; only core and @aws-sdk/* may be imported.
export {};

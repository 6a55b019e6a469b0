// MlPlatform, the composition of the five constructs on either target, lands here (see
// ../shared/DESIGN.md, "MlPlatform"). Kept as an exported namespace so the public entry's shape
// does not change when it does.
export {};

/**
 * The one bundle of the drift job (assets/drift-job/index.js): the Lambda handler (`index.handler`)
 * and the command-line job (`node index.js --config …`, run when the file is the main module) share
 * it, so the Lambda and the Kubernetes CronJob run the same code and the package ships it once.
 */
export { handler } from './handler';
export { main } from './cli';

// Entry of patron.js, the script-tag build.
import { startFromScriptTag } from './script-setup.js';

startFromScriptTag();

declare const __PATRON_DEBUG__: boolean;

/**
 * True in builds that contain the debug messages. The script-tag build `patron.js` sets it to
 * false, so every `DEBUG && …` call and its message text is removed; `patron.debug.js` keeps them.
 */
export const DEBUG: boolean = __PATRON_DEBUG__;

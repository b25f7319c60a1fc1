import { defineWebExtConfig } from 'wxt';

// `wxt dev` cannot open a windowed browser on these machines: load .output/chrome-mv3-dev by hand.
export default defineWebExtConfig({ disabled: true });

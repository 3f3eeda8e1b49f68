import { h } from 'preact';
import htm from 'htm';

/** JSX-like templates without a compiler: html`<p class="x">${value}</p>`. */
export const html = htm.bind(h);

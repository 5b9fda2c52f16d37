/**
 * The ask's look, injected once. Low specificity (one class) so the site's CSS wins where it cares; colours come
 * from custom properties with fallbacks: --rs-accent, --rs-on-accent, --rs-background, --rs-text, --rs-focus,
 * --rs-font. The defaults pass WCAG AA: text 16:1, the accent behind white 10:1, the error red 6:1, borders ≥ 3:1.
 */
const css = `
[data-support-ask][hidden],[data-paywall-state=walled] [hidden],[data-premium][hidden]{display:none!important}
[data-paywall-state=walled]{position:relative}
.rs-meter-note{margin:0 0 12px;padding:6px 12px;border-left:4px solid var(--rs-accent,#0b3d91);background:var(--rs-background,#fff8e6);color:var(--rs-text,#1a1a1a);font:15px/1.4 var(--rs-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif)}
.rs-ask{box-sizing:border-box;min-height:inherit;margin:0;padding:20px 24px;background:var(--rs-background,#fff8e6);color:var(--rs-text,#1a1a1a);border-top:4px solid var(--rs-accent,#0b3d91);font:16px/1.45 var(--rs-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);text-align:left}
.rs-ask *,.rs-ask *::before,.rs-ask *::after{box-sizing:border-box}
.rs-title{margin:0 0 6px;font-size:1.3em;line-height:1.25;font-weight:700;color:inherit;font-family:inherit}
.rs-text{margin:0 0 14px}
.rs-notice{margin:0 0 12px;font-weight:600}
.rs-group{border:0;margin:0 0 12px;padding:0;display:flex;flex-wrap:wrap;gap:8px;min-width:0}
.rs-legend{padding:0;margin:0 0 6px;font-weight:600;font-size:.9em}
.rs-choice{position:relative;display:inline-flex;margin:0}
.rs-radio{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.rs-choice span{display:inline-block;min-width:4.5em;padding:7px 14px;border:2px solid var(--rs-accent,#0b3d91);border-radius:999px;background:#fff;color:var(--rs-accent,#0b3d91);text-align:center;font-weight:600;cursor:pointer}
.rs-radio:checked+span{background:var(--rs-accent,#0b3d91);color:var(--rs-on-accent,#fff)}
.rs-radio:focus-visible+span,.rs-input:focus-visible,.rs-submit:focus-visible,.rs-link:focus-visible{outline:3px solid var(--rs-focus,#1a1a1a);outline-offset:2px}
.rs-field{display:flex;flex-direction:column;gap:4px;margin:0 0 12px;max-width:18em}
.rs-label{font-weight:600;font-size:.9em}
.rs-input{font:inherit;padding:7px 10px;border:2px solid #5c5c5c;border-radius:6px;background:#fff;color:#1a1a1a;width:100%}
.rs-input[aria-invalid=true]{border-color:#b00020}
.rs-error{margin:0;color:#b00020;font-size:.9em}
.rs-actions{display:flex;flex-wrap:wrap;align-items:center;gap:12px 20px}
.rs-submit{font:inherit;font-weight:700;padding:11px 22px;border:0;border-radius:6px;background:var(--rs-accent,#0b3d91);color:var(--rs-on-accent,#fff);cursor:pointer}
.rs-submit[aria-disabled=true]{cursor:progress}
.rs-link{font:inherit;padding:0;border:0;background:none;color:var(--rs-accent,#0b3d91);text-decoration:underline;cursor:pointer}
.rs-status{margin:8px 0 0}
.rs-status:empty,.rs-error:empty{display:none}
.rs-field[hidden]{display:none}
.rs-message .rs-text{margin:0}
@media (max-width:480px){.rs-ask{padding:16px}.rs-group{gap:6px}.rs-choice span{min-width:0;padding:6px 12px}.rs-submit{width:100%}}
`;

/** Adds the stylesheet once, with the script's CSP nonce when the site uses one. */
export function injectStyles(nonce: string | undefined): void {
  if (document.getElementById('reader-support-styles')) return;
  const style = document.createElement('style');
  style.id = 'reader-support-styles';
  if (nonce) style.nonce = nonce;
  style.textContent = css.trim();
  document.head.append(style);
}

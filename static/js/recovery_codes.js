/* Recovery codes page: the Copy button puts the codes on the clipboard, one a line. Download
   (.txt) needs no script: the server writes the file into the link (a data: URL). The button
   stays hidden where the page cannot copy (no Clipboard API, or not a secure context). A module:
   deferred and strict; no inline handlers (the Content-Security-Policy forbids them); the page
   gives the messages, in its language. */
const button = document.querySelector("[data-copy-recovery-codes]");
const status = document.querySelector("[data-copy-status]");

if (button && status && navigator.clipboard && window.isSecureContext) {
  const list = document.querySelector(button.dataset.copyRecoveryCodes);
  const codes = () =>
    Array.from(list.querySelectorAll(".recovery-code"), (code) => code.textContent.trim());

  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(codes().join("\n") + "\n");
      status.textContent = button.dataset.copied;
    } catch (error) {
      status.textContent = button.dataset.copyFailed;
    }
  });
}

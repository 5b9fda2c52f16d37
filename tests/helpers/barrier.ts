/** Resolves for everyone once `parties` have arrived (or after a second, so a refusal never hangs the test). */
export function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
    setTimeout(resolve, 1000);
  });
  return async () => {
    arrived++;
    if (arrived >= parties) open();
    await opened;
  };
}

/** Undo stack for multi-step changes: add an undo after each step, call success() at the end. */
export class Reverter {
  #steps: Array<() => Promise<void> | void> = []
  add(undo: () => Promise<void> | void): void {
    this.#steps.push(undo)
  }
  success(): void {
    this.#steps = []
  }
  /** Runs the undo steps newest first; a failing step is reported and the rest still run. */
  async fail(onError: (err: unknown) => void = () => {}): Promise<void> {
    const steps = this.#steps.toReversed()
    this.#steps = []
    for (const undo of steps) {
      try {
        await undo()
      } catch (err) {
        onError(err)
      }
    }
  }
}

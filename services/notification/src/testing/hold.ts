/** A reply a test receiver keeps back: `arrived` once the request is in, the reply goes out on `release()`. */
export class Hold {
  readonly arrived: Promise<void>;
  readonly released: Promise<void>;
  private arrive!: () => void;
  private letGo!: () => void;

  constructor() {
    this.arrived = new Promise<void>((resolve) => (this.arrive = resolve));
    this.released = new Promise<void>((resolve) => (this.letGo = resolve));
  }

  /** Called by the receiver: marks the request arrived and waits for the release. */
  async keep(): Promise<void> {
    this.arrive();
    await this.released;
  }

  release(): void {
    this.letGo();
  }
}

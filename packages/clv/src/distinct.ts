/** The distinct values of a list, in the order first seen, with the index of each. */
export class Distinct {
  readonly values: number[] = [];
  private readonly index = new Map<number, number>();

  /** Returns the index of `value`, adding it when it is new. */
  indexOf(value: number): number {
    let index = this.index.get(value);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.index.set(value, index);
    }
    return index;
  }
}

// @stdlib/math-base-special-gammaln 0.3 ships its types outside its exports map.
declare module '@stdlib/math-base-special-gammaln' {
  /** Natural logarithm of the gamma function. */
  export default function gammaln(x: number): number;
}

// The fluid path from the plunger to the outlet, as a lumped RC circuit solved exactly between
// events (no fixed time step: a day without pushes is one exponential). The plunger pushes
// volume into a compliance C (barrel, plunger seal, tubing) upstream of the flow sensor; the
// stored volume S drains through the sensor into the catheter resistance R (and, with a leak,
// a parallel path to `leaked`). Pressure P = S / C, flow through the sensor S / tau with
// tau = R C. Faults change R, add the leak, a free-flow source or an air bubble (line-air.ts
// tracks the bubbles; connectLine in line-connection.ts feeds the rig's plunger into the line).
// An optional pinch valve (valve.ts) just past the sensor, when closed, stops the drains and the
// free-flow source. Volumes are kept as whole femtolitres (line-ledger.ts) so that the mass
// balance holds exactly:
//   pushed + free-flow in = stored + through the sensor;
//   through + pinched out of the valve's tubing = downstream stored + outlet + leaked + air.
// With a compliance downstream of the sensor (line-downstream.ts) the line has a second node past
// the sensor, and occlusions and leaks act beyond it; without one (the default) "downstream
// stored" is 0 and the line is the single node described above.
// No Node APIs: this is bundled into the XS engine with the rest of host/sim.

import { BubbleQueue } from './line-air';
import { DownstreamSection } from './line-downstream';
import { LineLedger } from './line-ledger';
import type { FluidLineOptions, LineFaults, LineMark } from './line-shapes';
import { checkFinite, DEFAULT_LINE } from './line-shapes';
import { expm1Det } from './prng';
import type { PinchSection } from './valve';

const FL_PER_NL = 1_000_000;
/** fl per ms to nl per min. */
const NL_PER_MIN_PER_FL_PER_MS = 60_000 / FL_PER_NL;

// The shapes and defaults live in line-shapes.ts; importers keep taking them from here.
export { DEFAULT_COMPLIANCE_NL_PER_KPA, DEFAULT_LINE, DEFAULT_TAU_MS, type FluidLineOptions, type LineFaults, type LineMark } from './line-shapes';

export class FluidLine extends LineLedger implements LineFaults {
  readonly complianceNlPerKpa: number;
  readonly resistanceKpaSPerUl: number;
  /** R C with the line clear, ms (C upstream of the sensor only). */
  readonly baseTauMs: number;
  /** The compliance past the sensor, where there is one (else the line has one node). */
  readonly downstream: DownstreamSection | undefined;
  /** What the downstream node passed on in the last step: reused, so a step allocates nothing. */
  readonly #left = { tipFl: 0, leakFl: 0 };

  #nowMs: number;
  /** The exact stored volume (fl, fractional): the state the exponential acts on. */
  #s = 0;
  // The cumulative volumes, whole femtolitres, are the ledger's (`this.fl`, line-ledger.ts).
  // Fractions of a femtolitre carried forward, so rounding never accumulates.
  #pushCarry = 0;
  #sourceCarry = 0;
  #splitCarry = 0;

  #resistanceFactor = 1;
  #leakFraction = 0;
  #freeFlowFlPerMs = 0;
  /** Bubbles on their way through the sensor, and the air already through. */
  readonly #air = new BubbleQueue();
  #lastPushSign: -1 | 0 | 1 = 0;

  #segments = 0;
  #events = 0;
  #lateEvents = 0;
  #feeder: (() => void) | undefined;
  #feeding = false;
  /** The pinch valve, where fitted (without one the line is always open). */
  #valve: PinchSection | undefined;

  constructor(options: FluidLineOptions = {}) {
    super();
    this.complianceNlPerKpa = options.complianceNlPerKpa ?? DEFAULT_LINE.complianceNlPerKpa;
    this.resistanceKpaSPerUl = options.resistanceKpaSPerUl ?? DEFAULT_LINE.resistanceKpaSPerUl;
    if (!(this.complianceNlPerKpa > 0 && Number.isFinite(this.complianceNlPerKpa))) throw new RangeError(`complianceNlPerKpa ${this.complianceNlPerKpa}`);
    if (!(this.resistanceKpaSPerUl > 0 && Number.isFinite(this.resistanceKpaSPerUl))) throw new RangeError(`resistanceKpaSPerUl ${this.resistanceKpaSPerUl}`);
    this.baseTauMs = this.resistanceKpaSPerUl * this.complianceNlPerKpa;
    this.#nowMs = options.startMs ?? 0;
    const c2 = options.downstreamComplianceNlPerKpa ?? 0;
    if (!(c2 >= 0 && Number.isFinite(c2))) throw new RangeError(`downstreamComplianceNlPerKpa ${c2}`);
    this.downstream =
      c2 > 0
        ? new DownstreamSection({
            complianceNlPerKpa: c2,
            upstreamComplianceNlPerKpa: this.complianceNlPerKpa,
            resistanceKpaSPerUl: this.resistanceKpaSPerUl,
            sensorSideShare: options.sensorSideResistanceShare ?? 0.5,
          })
        : undefined;
  }

  /**
   * Something that delivers pending pushes before the line moves on (the rig connection uses
   * it to collect PWM pulses up to now). Called at the start of each advanceTo, not reentrantly.
   */
  setFeeder(feeder: (() => void) | undefined): void {
    this.#feeder = feeder;
  }

  /** The time the state below refers to. */
  get nowMs(): number {
    return this.#nowMs;
  }

  // Rates of the two drains, per ms: the outlet through R, the leak through its own path.

  #outletRate(): number {
    if (this.#valve?.closed) return 0;
    return this.#resistanceFactor === Infinity ? 0 : 1 / (this.baseTauMs * this.#resistanceFactor);
  }

  #leakRate(): number {
    const f = this.#leakFraction;
    if (f <= 0 || this.#valve?.closed) return 0;
    if (f >= 1) return Infinity;
    // A leak that takes fraction f of the flow with the line clear: R_leak = R (1 - f) / f.
    return f / ((1 - f) * this.baseTauMs);
  }

  /** 1 / tau: how fast the stored volume drains (0: sealed, Infinity: no resistance at all). */
  #drainRate(): number {
    return this.#outletRate() + this.#leakRate();
  }

  /** The time constant now, ms (Infinity when fully occluded without a leak; two nodes: the slower). */
  get tauMs(): number {
    const d = this.#down();
    return d ? d.slowTauMs() : 1 / this.#drainRate();
  }

  /** The downstream node with its rates set for the line's state now, where there is one. */
  #down(): DownstreamSection | undefined {
    const d = this.downstream;
    d?.setState(this.#valve?.closed === true, this.#resistanceFactor, this.#leakFraction);
    return d;
  }

  /**
   * Moves the state to `atMs` with the exact solution of dS/dt = q - S / tau. An `atMs` before
   * the line's time is taken as now (and counted in `lateEvents`): time only moves forward.
   */
  advanceTo(atMs: number): void {
    checkFinite(atMs, 'advanceTo');
    if (this.#feeder && !this.#feeding) {
      this.#feeding = true;
      try {
        this.#feeder();
      } finally {
        this.#feeding = false;
      }
    }
    if (atMs < this.#nowMs) {
      this.#lateEvents++;
      return;
    }
    // A valve closing in the meantime splits the interval where it shuts.
    const due = this.#valve?.closeDueMs;
    if (due !== undefined && due <= atMs) {
      this.#evolve(Math.max(due, this.#nowMs));
      this.#valve!.completeClose();
      this.#pinch(1);
    }
    this.#evolve(atMs);
  }

  #evolve(atMs: number): void {
    if (atMs === this.#nowMs) return;
    const dt = atMs - this.#nowMs;
    this.#nowMs = atMs;
    this.#segments++;

    // A siphon drives flow with the pressure of its head, which at steady state the compliance
    // already holds (q = head / R): against a closed valve it has nothing left to push with.
    const q = this.#valve?.closed ? 0 : this.#freeFlowFlPerMs;
    let sourced = 0;
    if (q !== 0) {
      const x = this.#sourceCarry + q * dt;
      sourced = Math.round(x);
      this.#sourceCarry = x - sourced;
      this.fl.freeFlowIn += sourced;
    }
    const down = this.#down();
    if (down) {
      this.#s = down.step(this.#s, q, dt);
      const stored = Math.round(this.#s);
      const through = this.fl.stored + sourced - stored;
      this.fl.stored = stored;
      this.#pass(through);
      return;
    }
    const k = this.#drainRate();
    const s0 = this.#s;
    if (k === 0) {
      // Sealed: everything that comes in stays.
      this.#s = s0 + q * dt;
      this.fl.stored += sourced;
      return;
    }
    let s1: number;
    if (k === Infinity) s1 = 0;
    else {
      const equilibrium = q / k;
      // S(t) = Seq + (S0 - Seq) e^(-k dt), written with expm1 to keep short steps exact.
      s1 = s0 + (s0 - equilibrium) * expm1Det(-k * dt);
    }
    this.#s = s1;
    const stored = Math.round(s1);
    const through = this.fl.stored + sourced - stored;
    this.fl.stored = stored;
    this.#pass(through);
  }

  /** `volumeFl` leaves the compliance through the sensor: split into air, outlet and leak. */
  #pass(volumeFl: number): void {
    if (volumeFl === 0 && !this.downstream) return;
    this.fl.through += volumeFl;
    const air = this.#air.passedFl(this.fl.through);
    const dAir = air - this.fl.air;
    this.fl.air = air;
    const fluid = volumeFl - dAir;
    const down = this.downstream;
    if (down) {
      // Into node 2; what leaves it now goes on to the tip and the leak.
      down.receive(volumeFl, dAir, this.#left);
      this.fl.outlet += this.#left.tipFl;
      this.fl.leaked += this.#left.leakFl;
      return;
    }
    const out = this.#outletRate();
    const leak = this.#leakRate();
    if (leak === 0) this.fl.outlet += fluid;
    else if (leak === Infinity || out === 0) this.fl.leaked += fluid;
    else {
      const x = this.#splitCarry + (fluid * out) / (out + leak);
      const toOutlet = Math.round(x);
      this.#splitCarry = x - toOutlet;
      this.fl.outlet += toOutlet;
      this.fl.leaked += fluid - toOutlet;
    }
  }

  /**
   * The valve's jaw meets (+1) or lifts (-1): the tubing under it empties, half out of the
   * outlet and half back through the sensor into the compliance, or fills again from both.
   */
  #pinch(sign: 1 | -1): void {
    const v = this.#valve!;
    // With a downstream node the outlet's half goes into (or comes from) that node instead.
    if (this.downstream) this.downstream.inject(sign * v.outletShareFl);
    else this.fl.outlet += sign * v.outletShareFl;
    this.fl.through -= sign * v.lineShareFl;
    this.fl.stored += sign * v.lineShareFl;
    this.#s += sign * v.lineShareFl;
    this.fl.pinched += sign * (v.outletShareFl + v.lineShareFl);
  }

  /** With no resistance left (a disconnection), what is stored leaves at once. */
  #settle(): void {
    const down = this.#down();
    if (down) {
      // A disconnection past node 2 empties it at once (node 1 still drains through R1).
      if (down.drainsAtOnce) {
        this.#s = down.step(this.#s, 0, 0);
        this.#pass(0);
      }
      return;
    }
    if (this.#drainRate() !== Infinity) return;
    const stored = this.fl.stored;
    this.#s = 0;
    this.fl.stored = 0;
    this.#pass(stored);
  }

  /** The plunger moved `volumeNl` into the line (negative: backed off, relieving pressure). */
  push(atMs: number, volumeNl: number): void {
    this.pushFl(atMs, volumeNl * FL_PER_NL);
  }

  /** Same as push, in femtolitres (the rig's unit; fractions are carried, not lost). */
  pushFl(atMs: number, volumeFl: number): void {
    checkFinite(volumeFl, 'push volumeFl');
    this.advanceTo(atMs);
    this.#events++;
    const x = this.#pushCarry + volumeFl;
    const whole = Math.round(x);
    this.#pushCarry = x - whole;
    if (whole === 0) return;
    this.fl.pushed += whole;
    this.fl.stored += whole;
    this.#s += whole;
    this.#lastPushSign = whole > 0 ? 1 : -1;
    this.#settle();
  }

  // Faults.

  #change(atMs: number): void {
    this.advanceTo(atMs);
    this.#events++;
  }

  occlude(atMs: number): void {
    this.#change(atMs);
    this.#resistanceFactor = Infinity;
  }

  partiallyOcclude(atMs: number, factor: number): void {
    if (!(factor > 0)) throw new RangeError(`occlusion factor ${factor} must be above 0`);
    this.#change(atMs);
    this.#resistanceFactor = factor;
  }

  release(atMs: number): void {
    this.#change(atMs);
    this.#resistanceFactor = 1;
    this.#settle();
  }

  setLeak(atMs: number, fraction: number): void {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`leak fraction ${fraction} must be from 0 to 1`);
    this.#change(atMs);
    this.#leakFraction = fraction;
    this.#settle();
  }

  setFreeFlow(atMs: number, nlPerMin: number): void {
    checkFinite(nlPerMin, 'free flow nl/min');
    this.#change(atMs);
    this.#freeFlowFlPerMs = nlPerMin / NL_PER_MIN_PER_FL_PER_MS;
  }

  /** Fits a pinch valve past the sensor (valve.ts's VirtualValve does); it starts closed, its tubing pinched. */
  fitValve(section: PinchSection): void {
    if (this.#valve) throw new Error('the line already has a valve');
    this.#valve = section;
  }

  /** The valve's coil was energised (true) or released at `atMs`; a close takes its closing time. */
  commandValve(atMs: number, energised: boolean): void {
    if (!this.#valve) throw new Error('commandValve: no valve fitted');
    this.#change(atMs);
    if (this.#valve.command(atMs, energised) === 'opened') {
      this.#pinch(-1);
      this.#settle();
    }
  }

  injectAir(atMs: number, volumeNl: number): void {
    if (!(volumeNl > 0 && Number.isFinite(volumeNl))) throw new RangeError(`air volume ${volumeNl} nl must be above 0`);
    this.#change(atMs);
    this.#air.add(this.fl.through, Math.round(volumeNl * FL_PER_NL));
  }

  clearAir(atMs: number): void {
    this.#change(atMs);
    this.#air.clear(this.fl.through);
  }

  // State, at `nowMs`. Call advanceTo first to read it at a later time.

  get resistanceFactor(): number {
    return this.#resistanceFactor;
  }

  get occluded(): boolean {
    return this.#resistanceFactor === Infinity;
  }

  get leakFraction(): number {
    return this.#leakFraction;
  }

  get freeFlowNlPerMin(): number {
    return this.#freeFlowFlPerMs * NL_PER_MIN_PER_FL_PER_MS;
  }

  /** A valve is fitted and pinched shut (one still closing counts as open). */
  get valveClosed(): boolean {
    return this.#valve?.closed === true;
  }

  /** Pressure in the compliance (upstream of the sensor), kPa above the outlet. */
  get pressureKpa(): number {
    return this.#s / FL_PER_NL / this.complianceNlPerKpa;
  }

  /** Pressure in the downstream compliance, kPa (one node: the same as upstream). */
  get downstreamPressureKpa(): number {
    return this.downstream ? this.downstream.pressureKpa : this.pressureKpa;
  }

  /** Flow through the sensor at this instant, nl/min (negative: backwards). */
  get flowAtSensorNlPerMin(): number {
    const down = this.#down();
    if (down) return down.flowFlPerMs(this.#s) * NL_PER_MIN_PER_FL_PER_MS;
    const k = this.#drainRate();
    const flPerMs = k === Infinity ? this.#freeFlowFlPerMs : k * this.#s;
    return flPerMs * NL_PER_MIN_PER_FL_PER_MS;
  }

  /** A bubble is in the sensor now. */
  get airInLine(): boolean {
    return this.#air.inSensor(this.fl.through);
  }

  /** Direction of the last push (+1 forward, -1 back, 0 none yet): the seal friction's sign. */
  get lastPushSign(): -1 | 0 | 1 {
    return this.#lastPushSign;
  }

  /** Held in the compliance past the sensor (0 without one). */
  get downstreamStoredFl(): number {
    return this.downstream ? this.downstream.storedFl : 0;
  }

  /** The cumulative record now, to measure a mean flow from later. */
  mark(): LineMark {
    return { atMs: this.#nowMs, throughSensorFl: this.fl.through, airFl: this.fl.air };
  }

  /**
   * Mean flow through the sensor from `since` to now, nl/min (what an averaging sensor reports
   * for that window). An empty window gives the instantaneous flow.
   */
  meanFlowSinceNlPerMin(since: LineMark): number {
    const dt = this.#nowMs - since.atMs;
    if (dt <= 0) return this.flowAtSensorNlPerMin;
    return ((this.fl.through - since.throughSensorFl) / dt) * NL_PER_MIN_PER_FL_PER_MS;
  }

  /** Mean flow over [fromMs, toMs]: advances to `toMs`; `from` must be a mark taken at fromMs. */
  averageFlowNlPerMin(from: LineMark, toMs: number): number {
    this.advanceTo(toMs);
    return this.meanFlowSinceNlPerMin(from);
  }

  /** Exponential segments computed so far: the simulation's cost, independent of wall time. */
  get segments(): number {
    return this.#segments;
  }

  /** Pushes and fault changes applied. */
  get events(): number {
    return this.#events;
  }

  /** Calls with a time before the line's own (taken as now). */
  get lateEvents(): number {
    return this.#lateEvents;
  }
}

// The fluid line's cumulative ledger (line.ts's FluidLine extends it): every volume in whole
// femtolitres, so that the mass balance holds to the last one, and the same volumes read in
// nanolitres. No Node APIs (bundled into the XS engine with host/sim).

const FL_PER_NL = 1_000_000;

/** The cumulative volumes, whole femtolitres; FluidLine books them, nothing else writes them. */
export interface LedgerCounts {
  pushed: number;
  freeFlowIn: number;
  /** Held in the compliance upstream of the sensor. */
  stored: number;
  through: number;
  outlet: number;
  leaked: number;
  air: number;
  /** Net volume the valve's jaw squeezed out of its tubing since it was fitted (closed): 0 or -pinch. */
  pinched: number;
}

export class LineLedger {
  protected readonly fl: LedgerCounts = { pushed: 0, freeFlowIn: 0, stored: 0, through: 0, outlet: 0, leaked: 0, air: 0, pinched: 0 };

  get pushedFl(): number {
    return this.fl.pushed;
  }
  get freeFlowInFl(): number {
    return this.fl.freeFlowIn;
  }
  get storedFl(): number {
    return this.fl.stored;
  }
  get throughSensorFl(): number {
    return this.fl.through;
  }
  get outletFl(): number {
    return this.fl.outlet;
  }
  get leakedFl(): number {
    return this.fl.leaked;
  }
  /** Air that has passed the sensor (it counts in `throughSensorFl`, not in outlet or leak). */
  get airFl(): number {
    return this.fl.air;
  }
  /** Net volume the valve squeezed out of its tubing since fitted: the mass balance's last term. */
  get pinchedFl(): number {
    return this.fl.pinched;
  }

  get pushedNl(): number {
    return this.fl.pushed / FL_PER_NL;
  }
  get freeFlowInNl(): number {
    return this.fl.freeFlowIn / FL_PER_NL;
  }
  get storedNl(): number {
    return this.fl.stored / FL_PER_NL;
  }
  get throughSensorNl(): number {
    return this.fl.through / FL_PER_NL;
  }
  /** Drug that reached the outlet: what a balance under it weighs. */
  get outletNl(): number {
    return this.fl.outlet / FL_PER_NL;
  }
  get leakedNl(): number {
    return this.fl.leaked / FL_PER_NL;
  }
  get airNl(): number {
    return this.fl.air / FL_PER_NL;
  }
}

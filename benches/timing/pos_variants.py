# The reference integration (the package pos/ beside its pos.py, whose path is in PAYTERM_POS)
# with its retry pacing replaced, for `cargo bench --bench timing`. VARIANT picks how it waits
# after a fault:
#   constant   a constant wait after every fault (three minimum intervals, or the Retry-After the
#              answer carried, exactly): the backoff a simple, correct integration uses. Its waits
#              after faults are equal, so RATE-NO-STORM must never flag it, however loaded the
#              machine is.
#   half       as constant, but it waits only half the Retry-After (the mistake the rule exists
#              to catch).
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(os.environ["PAYTERM_POS"])))

from pos import main, orders, output, settings  # noqa: E402

VARIANT = os.environ.get("VARIANT", "constant")
CONSTANT_V = 3 * settings.POLL_V


def fault(self, retry_after=None, why=""):
    self.streak += 1
    gap = settings.v2r(CONSTANT_V)
    if retry_after is not None:
        gap = max(gap, retry_after / 2 if VARIANT == "half" else retry_after)
    self.gap = gap
    self.next_at = settings.now() + gap
    output.log(self.order.id, f"fault #{self.streak}: {why}; next try in {gap / settings.SCALE:.2f}v ({VARIANT})")


orders.Pacer.fault = fault

if __name__ == "__main__":
    sys.exit(main.main())

#pragma once

// `blend-demo --chaos-report`: the last step of scripts/chaos. Reads the run state the run
// left (`--run-state`), the faults file (`--faults-log`), genesys-sim's audit, opt-outs,
// calls and fault counts, and PostgreSQL (`--pg-url`); prints the demo summary and the chaos
// verdict (chaos_report.h) and writes them as JSON with `--summary-json`.

#include "blend/demo/demo_run.h"

namespace blend::demo {

// 0: every chaos invariant held; 1: one broke; 2: an input could not be read.
int RunChaosReport(const DemoOptions& options);

}  // namespace blend::demo

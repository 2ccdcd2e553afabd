// blend-sms-worker: composition root. Flags → WorkerRuntime (shared with the other workers)
// + SmsSender; consumes blend.touch.sms until SIGTERM.

#include <iostream>

#include <CLI/CLI.hpp>

#include "blend/common/clock.h"
#include "blend/common/flags_env.h"
#include "blend/common/shutdown.h"
#include "blend/sms_worker/sms_sender.h"
#include "blend/telemetry/log.h"
#include "blend/worker/worker_flags.h"

int main(int argc, char** argv) {
  CLI::App app{
      "blend-sms-worker: sends SMS touches through Genesys agentless messaging under "
      "the global per-client quota, and reports dispositions"};
  auto config =
      blend::worker::DefaultRuntimeConfig("sms-worker", blend::v1::CHANNEL_SMS, "127.0.0.1:9401");
  blend::worker::RuntimeFlagValues values;
  blend::worker::AddRuntimeFlags(app, config, values);
  blend::sms_worker::SmsSenderOptions sms;
  blend::AddFlag(app, "sms-from", sms.default_from,
                 "sender number when the campaign names none (GenesysIds.sms_from_number)");
  blend::AddFlag(app, "text-parameter", sms.text_parameter,
                 "touch parameter holding the message template ({{path}} placeholders)");
  CLI11_PARSE(app, argc, argv);

  blend::ShutdownSignal::Install();
  absl::Status flags = blend::worker::FinishRuntimeFlags(config, values);
  if (!flags.ok()) {
    std::cerr << "blend-sms-worker: " << flags.message() << "\n";
    return 2;
  }
  auto runtime = blend::worker::WorkerRuntime::Create(std::move(config),
                                                      blend::RealClock::Instance(), nullptr);
  if (!runtime.ok()) return blend::worker::ReportStartFailure("sms-worker", runtime.status());
  blend::sms_worker::SmsSender sender((*runtime)->genesys(), sms);
  blend::worker::RunUntilSignal(**runtime, sender);
  return 0;
}

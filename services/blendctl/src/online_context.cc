#include "blend/blendctl/exit_codes.h"
#include "blend/blendctl/online_commands.h"
#include "blend/common/flags_env.h"
#include "output.h"

namespace blend::blendctl {

void AddGlobalFlags(CLI::App& app, OnlineContext& context) {
  // Subcommands inherit this: global flags may also follow the subcommand's own arguments.
  app.fallthrough();
  app.add_option("--addr", context.connection.addr, "orchestrator gRPC address (host:port)")
      ->envname("BLEND_ORCHESTRATOR_ADDR")
      ->capture_default_str();
  AddSecretFlag(app, "token", context.connection.token,
                "API token, sent as 'authorization: Bearer <token>'");
  AddDurationFlag(app, "timeout", context.connection.timeout,
                  "deadline of each call, e.g. 10s (start-many streams have none)");
  app.add_option("--ca-file", context.connection.ca_file,
                 "PEM CA bundle: connect with TLS and verify the server against it")
      ->envname("BLEND_CA_FILE");
  app.add_flag("--json", context.json, "print one JSON document on stdout instead of tables");
  // CSV commands: a row over a cap is a reject with its line, and the file goes on.
  app.add_option("--csv-max-field-bytes", context.csv_limits.max_field_bytes,
                 "CSV commands: longest field (unquoted bytes); a longer one rejects its row")
      ->envname("BLEND_CSV_MAX_FIELD_BYTES")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--csv-max-record-bytes", context.csv_limits.max_record_bytes,
                 "CSV commands: longest row as written; a longer one is rejected and skipped")
      ->envname("BLEND_CSV_MAX_RECORD_BYTES")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-message-bytes", context.max_message_bytes,
                 "CSV commands: largest request one row may become (the server's gRPC receive "
                 "limit); a larger row is rejected instead of ending the stream")
      ->envname("BLEND_MAX_MESSAGE_BYTES")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

int RunOnline(OnlineContext& context) {
  auto connection = GrpcConnection::Create(context.connection);
  if (!connection.ok()) {
    return ReportError(context, kExitUsage, std::string(connection.status().message()));
  }
  return context.action(**connection, context);
}

}  // namespace blend::blendctl

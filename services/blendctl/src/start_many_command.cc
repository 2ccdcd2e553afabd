// `blendctl journey start-many`: streams a CSV file over the client-streaming StartJourneys
// RPC, one stream per --batch rows. A reader thread drains the results while the main thread
// writes (the server answers each of its batches before reading more, so a client that only
// wrote would deadlock on flow control). Rejected rows, ours (malformed CSV) and the server's,
// go to the rejects file sorted by line, one batch at a time.

#include "start_many_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "blend/blendctl/csv_reader.h"
#include "blend/blendctl/exit_codes.h"
#include "blend/blendctl/progress.h"
#include "blend/blendctl/request_size.h"
#include "blend/blendctl/start_request.h"
#include "output.h"

namespace blend::blendctl {
namespace {

using nlohmann::json;

struct StartManyOptions {
  std::string campaign_id;
  int32_t campaign_version = 0;
  std::string csv_path;
  std::string rejects_path;
  std::string key_prefix;
  int batch = 10000;
  int64_t max_message_bytes = kDefaultMaxMessageBytes;  // the global --max-message-bytes
};

struct Reject {
  int64_t line;
  std::string customer_id;
  std::string reason;
};

// State shared by the writer (main thread) and the result reader of one run.
struct Run {
  ProgressCounters counters;
  std::atomic<int64_t> bytes_read{0};
  std::mutex mu;
  std::unordered_map<int64_t, std::string> in_flight;  // row (line) -> customer_id
  std::vector<Reject> batch_rejects;                   // of the current stream
  std::vector<Reject> shown;                           // first few, for stderr
  int64_t last_confirmed_line = 0;                     // every row up to here is answered

  void AddReject(Reject r) {
    std::lock_guard<std::mutex> lock(mu);
    counters.rejected++;
    if (shown.size() < 10) shown.push_back(r);
    batch_rejects.push_back(std::move(r));
  }
};

void ReadResults(
    grpc::ClientReaderWriter<blend::v1::StartJourneyRequest, blend::v1::StartJourneyResult>& stream,
    Run& run) {
  blend::v1::StartJourneyResult result;
  while (stream.Read(&result)) {
    std::string customer;
    {
      std::lock_guard<std::mutex> lock(run.mu);
      auto it = run.in_flight.find(result.row());
      if (it != run.in_flight.end()) {
        customer = std::move(it->second);
        run.in_flight.erase(it);
      }
    }
    if (!result.accepted()) {
      run.AddReject({result.row(), customer, result.reason()});
    } else {
      run.counters.accepted++;
      if (!result.reason().empty()) run.counters.duplicates++;
    }
  }
}

// Streams up to `opts.batch` records; false at the end of the input. `status` is the
// stream's final status (OK when nothing was sent).
bool StreamBatch(CsvReader& reader, const CsvStartMapper& mapper, const StartManyOptions& opts,
                 GrpcConnection& conn, Run& run, grpc::Status& status) {
  auto ctx = conn.NewContext(/*with_deadline=*/false);
  auto stream = conn.journeys().StartJourneys(ctx.get());
  std::thread reader_thread([&] { ReadResults(*stream, run); });
  bool more = true;
  bool writable = true;
  int64_t last_line = run.last_confirmed_line;
  for (int n = 0; n < opts.batch && writable; ++n) {
    std::optional<CsvRecord> record = reader.Next();
    if (!record) {
      more = false;
      break;
    }
    run.bytes_read = reader.bytes_read();
    run.counters.rows++;
    last_line = record->line;
    auto req = mapper.Map(*record);
    if (!req.ok()) {
      run.AddReject(
          {record->line, mapper.CustomerIdOf(*record), std::string(req.status().message())});
      continue;
    }
    // Over the server's limit the write would end the whole stream: reject the row instead.
    if (absl::Status size = CheckRequestSize(*req, opts.max_message_bytes); !size.ok()) {
      run.AddReject({record->line, req->customer().customer_id(), std::string(size.message())});
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(run.mu);
      run.in_flight[record->line] = req->customer().customer_id();
    }
    writable = stream->Write(*req);
  }
  stream->WritesDone();
  reader_thread.join();
  status = stream->Finish();
  if (status.ok()) {
    // Rows the server never answered (it should answer every one) are not silently lost.
    for (auto& [line, customer] : run.in_flight) {
      run.AddReject({line, customer, "no result from the server"});
    }
    run.in_flight.clear();
    run.last_confirmed_line = last_line;
  }
  return more && writable;
}

void FlushRejects(Run& run, std::ostream* rejects) {
  std::lock_guard<std::mutex> lock(run.mu);
  std::sort(run.batch_rejects.begin(), run.batch_rejects.end(),
            [](const Reject& a, const Reject& b) { return a.line < b.line; });
  if (rejects != nullptr) {
    for (const Reject& r : run.batch_rejects) {
      *rejects << CsvLine({std::to_string(r.line), r.customer_id, r.reason}) << "\n";
    }
    rejects->flush();
  }
  run.batch_rejects.clear();
}

int PrintSummary(const StartManyOptions& opts, Run& run, absl::Duration elapsed,
                 const grpc::Status& status, OnlineContext& ctx) {
  const ProgressCounters& c = run.counters;
  double seconds = absl::ToDoubleSeconds(elapsed);
  double rate = seconds > 0 ? static_cast<double>(c.rows) / seconds : 0;
  if (ctx.json) {
    json doc = {{"rows", c.rows.load()},
                {"accepted", c.accepted.load()},
                {"created", c.accepted - c.duplicates},
                {"duplicates", c.duplicates.load()},
                {"rejected", c.rejected.load()},
                {"seconds", seconds},
                {"rowsPerSecond", rate},
                {"rejectsFile", opts.rejects_path},
                {"lastConfirmedLine", run.last_confirmed_line}};
    if (!status.ok()) {
      doc["error"] = {{"code", StatusCodeName(status.error_code())},
                      {"message", status.error_message()}};
    }
    PrintJson(ctx, doc);
  } else {
    *ctx.out << absl::StrFormat(
        "rows %d, accepted %d (new %d, existing %d), rejected %d in %.1f s (%.0f rows/s)\n",
        c.rows.load(), c.accepted.load(), c.accepted - c.duplicates, c.duplicates.load(),
        c.rejected.load(), seconds, rate);
  }
  if (opts.rejects_path.empty()) {
    for (const Reject& r : run.shown) {
      *ctx.err << "rejected line " << r.line << " (" << r.customer_id << "): " << r.reason << "\n";
    }
    if (c.rejected > static_cast<int64_t>(run.shown.size())) {
      *ctx.err << "... " << c.rejected - run.shown.size() << " more; use --rejects FILE\n";
    }
  } else if (c.rejected > 0) {
    *ctx.err << c.rejected << " rejected row(s) written to " << opts.rejects_path << "\n";
  }
  if (!status.ok()) {
    *ctx.err << "blendctl: " << StatusCodeName(status.error_code()) << ": "
             << status.error_message() << "\nevery row up to line " << run.last_confirmed_line
             << " was answered; re-run the same file to finish (idempotency keys make "
                "repeats safe)\n";
    return ExitCodeFor(status.error_code());
  }
  return c.rejected > 0 ? kExitInvalid : kExitOk;
}

grpc::Status CheckCampaign(const StartManyOptions& opts, GrpcConnection& conn) {
  blend::v1::GetCampaignRequest req;
  req.set_campaign_id(opts.campaign_id);
  req.set_version(opts.campaign_version);
  blend::v1::Campaign campaign;
  return conn.journeys().GetCampaign(conn.NewContext().get(), req, &campaign);
}

// Streams every record after the header, batch by batch, with live progress.
int StreamFile(CsvReader& reader, int64_t file_size, const CsvStartMapper& mapper,
               const StartManyOptions& opts, std::ostream* rejects, GrpcConnection& conn,
               OnlineContext& ctx) {
  Run run;
  absl::Time start = absl::Now();
  grpc::Status status;
  {
    ProgressReporter progress(
        run.counters,
        [&run, file_size]() -> double {
          if (file_size <= 0) return -1;
          return static_cast<double>(run.bytes_read.load()) / static_cast<double>(file_size);
        },
        *ctx.err, ctx.stderr_is_tty);
    bool more = true;
    while (more && status.ok()) {
      more = StreamBatch(reader, mapper, opts, conn, run, status);
      FlushRejects(run, rejects);
    }
  }
  return PrintSummary(opts, run, absl::Now() - start, status, ctx);
}

int RunStartMany(const StartManyOptions& opts, GrpcConnection& conn, OnlineContext& ctx) {
  std::ifstream csv(opts.csv_path, std::ios::binary);
  if (!csv) return ReportError(ctx, kExitUsage, "cannot read " + opts.csv_path);
  std::error_code size_error;
  auto file_size = static_cast<int64_t>(std::filesystem::file_size(opts.csv_path, size_error));
  CsvReader reader(csv, ctx.csv_limits);
  std::optional<CsvRecord> header = reader.Next();
  if (!header) return ReportError(ctx, kExitInvalid, opts.csv_path + ": empty file, no header row");
  reader.ExpectFieldCount(header->fields.size());
  auto mapper =
      CsvStartMapper::Create(*header, opts.campaign_id, opts.campaign_version, opts.key_prefix);
  if (!mapper.ok()) {
    return ReportError(ctx, kExitInvalid,
                       opts.csv_path + ": " + std::string(mapper.status().message()));
  }
  // An unknown campaign (or a refused token) would reject every row: say so once instead.
  if (grpc::Status s = CheckCampaign(opts, conn); !s.ok()) return ReportRpcError(ctx, s);
  std::unique_ptr<std::ofstream> rejects;
  if (!opts.rejects_path.empty()) {
    rejects = std::make_unique<std::ofstream>(opts.rejects_path, std::ios::trunc);
    if (!*rejects) return ReportError(ctx, kExitUsage, "cannot write " + opts.rejects_path);
    *rejects << "line,customer_id,reason\n";
  }
  return StreamFile(reader, size_error ? -1 : file_size, *mapper, opts, rejects.get(), conn, ctx);
}

}  // namespace

void AddStartManyCommand(CLI::App& journey, OnlineContext& context) {
  auto o = std::make_shared<StartManyOptions>();
  CLI::App* cmd = journey.add_subcommand(
      "start-many",
      "Start one journey per CSV row over a StartJourneys stream (README.md: CSV "
      "format); exit 1 when any row is rejected");
  cmd->add_option("--campaign", o->campaign_id, "campaign id")->required();
  cmd->add_option("--campaign-version", o->campaign_version, "version (default: the latest)");
  cmd->add_option("--csv", o->csv_path, "CSV file with a header row")->required();
  cmd->add_option("--rejects", o->rejects_path,
                  "write rejected rows here as CSV: line,customer_id,reason");
  cmd->add_option("--key-prefix", o->key_prefix,
                  "idempotency key of rows without an idempotency_key column: PREFIX + "
                  "customer_id (use a new prefix to start a second wave for the same customers)");
  cmd->add_option("--batch", o->batch,
                  "rows per StartJourneys stream; a broken connection loses at most one")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([o, &context] {
    context.action = [o](GrpcConnection& c, OnlineContext& x) {
      o->max_message_bytes = x.max_message_bytes;
      return RunStartMany(*o, c, x);
    };
  });
}

}  // namespace blend::blendctl

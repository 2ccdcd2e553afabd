// cost_curve_waiting: what a waiting journey costs, measured on a running orchestrator.
// For each size (default 100,000 then 1,000,000 waiting journeys, cumulative):
//   1. start journeys parked on a 30-day Wait up to that size through StartJourneys, while
//      payment events end a random sample of the journeys already started;
//   2. the orchestrator's RSS (/proc/<pid>/status) and PostgreSQL's bytes per journey
//      (pg_total_relation_size: table + indexes + TOAST, of every orchestrator table a journey
//      writes, divided by the journeys stored);
//   3. payments on an otherwise idle system (a few seconds: the reference);
//   4. a timer burst: N journeys whose Wait ends at the same whole second; lateness = history
//      time of the next state ("Due", StateEntered, stamped by the orchestrator when it
//      applied the step) minus that second; also when a reader polling every 100 ms saw the
//      p50 / p99 share of the burst committed; payments keep ending waiting journeys meanwhile.
// Payment -> ended is timed client-side: SendCustomerEvent answers once the journey's end is
// committed. The last line of the output is one JSON object with every figure.

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>
#include <unordered_set>

#include <grpcpp/grpcpp.h>
#include <CLI/CLI.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "blend/cost_curve/load.h"
#include "blend/cost_curve/measure.h"
#include "blend/cost_curve/probe.h"
#include "campaigns.h"

namespace {

using namespace blend;              // NOLINT: a driver program
using namespace blend::cost_curve;  // NOLINT

struct Options {
  std::string addr;
  std::string pg_url;
  int pid = 0;
  std::vector<int64_t> sizes{100000, 1000000};
  int64_t timers = 10000;
  double payment_rate = 40;
  int payment_threads = 4;
  int64_t stream_rows = 10000;
  double idle_seconds = 5;
  double min_lead_seconds = 15;
  double timer_timeout_seconds = 300;
};

// The tables a journey writes to (the orchestrator's part of the schema).
const char* const kTables[] = {"journeys",       "journey_history",   "timers", "touches", "outbox",
                               "customer_facts", "processed_messages"};

std::string WaitingCustomer(int64_t i) { return absl::StrCat("w", i); }

void PutCampaign(v1::JourneyService::Stub& stub, const std::string& id, const char* definition) {
  grpc::ClientContext ctx;
  v1::PutCampaignRequest req;
  req.mutable_campaign()->set_campaign_id(id);
  req.mutable_campaign()->set_definition_json(definition);
  req.mutable_campaign()->set_policies_json(kPolicies);
  v1::PutCampaignResponse resp;
  const grpc::Status s = stub.PutCampaign(&ctx, req, &resp);
  if (!s.ok()) {
    std::cerr << "PutCampaign " << id << ": " << s.error_message() << "\n";
    std::exit(1);
  }
}

std::string SummaryLine(const char* what, const std::vector<double>& ms, const PaymentSender& p) {
  const Summary s = Summarize(ms);
  return absl::StrCat(what, ": ", s.count, " journeys ended, p50 ", JsonNumber(s.p50), " ms, p99 ",
                      JsonNumber(s.p99), " ms, max ", JsonNumber(s.max), " ms (", p.sent(),
                      " sent, ", p.unmatched(), " matched no running journey, ", p.errors(),
                      " errors)");
}

std::string MemJson(const std::string& prefix, const std::optional<ProcessMemory>& m) {
  if (!m) return absl::StrCat("\"", prefix, "_rss_mb\": null");
  return absl::StrCat("\"", prefix, "_rss_mb\": ", JsonNumber(m->rss_mb), ", \"", prefix,
                      "_anon_mb\": ", JsonNumber(m->anon_mb), ", \"", prefix,
                      "_hwm_mb\": ", JsonNumber(m->hwm_mb));
}

void PrintMem(const char* when, const std::optional<ProcessMemory>& m) {
  if (!m) {
    std::printf("  orchestrator memory %s: process gone\n", when);
    return;
  }
  std::printf(
      "  orchestrator memory %s: RSS %.1f MB (anon %.1f, file %.1f), peak %.1f MB, "
      "%lld threads\n",
      when, m->rss_mb, m->anon_mb, m->file_mb, m->hwm_mb, static_cast<long long>(m->threads));
}

std::string Pct(const Summary& s, const std::string& key) {
  return absl::StrCat("\"", key, "_p50_ms\": ", JsonNumber(s.p50), ", \"", key,
                      "_p99_ms\": ", JsonNumber(s.p99), ", \"", key, "_n\": ", s.count);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Cost of waiting journeys: orchestrator RSS, PostgreSQL bytes per journey, timer "
      "lateness of a burst due in one second, payment -> journey ended, at each size. "
      "Needs a running orchestrator (bench/cost-curve/run starts everything)."};
  app.add_option("--orchestrator-addr", o.addr, "orchestrator gRPC host:port")
      ->envname("BLEND_ORCHESTRATOR_ADDR")
      ->required();
  app.add_option("--orchestrator-pid", o.pid, "its process id (RSS from /proc)")->required();
  app.add_option("--pg-url", o.pg_url, "its PostgreSQL database")
      ->envname("BLEND_PG_URL")
      ->required();
  app.add_option("--sizes", o.sizes, "waiting journeys, cumulative steps")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--timers", o.timers, "journeys whose timers fall due in the same second")
      ->capture_default_str();
  app.add_option("--payment-rate", o.payment_rate, "payment events per second while busy")
      ->capture_default_str();
  app.add_option("--payment-threads", o.payment_threads, "senders (each paced separately)")
      ->capture_default_str();
  app.add_option("--stream-rows", o.stream_rows, "rows per StartJourneys stream")
      ->capture_default_str();
  app.add_option("--idle-seconds", o.idle_seconds, "payments on the idle system, per size")
      ->capture_default_str();
  app.add_option("--min-lead-seconds", o.min_lead_seconds,
                 "the burst's due second is at least this far after its starts begin")
      ->capture_default_str();
  app.add_option("--timer-timeout-seconds", o.timer_timeout_seconds,
                 "give up waiting for the burst this long after its due second")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines appear as they happen, also through tee
  std::sort(o.sizes.begin(), o.sizes.end());

  auto channel = grpc::CreateChannel(o.addr, grpc::InsecureChannelCredentials());
  std::shared_ptr<v1::JourneyService::Stub> stub = v1::JourneyService::NewStub(channel);
  pqxx::connection db(o.pg_url);
  PutCampaign(*stub, "waiting", kWaitingDefinition);
  std::printf("fsync=%lld synchronous_commit=%lld (1 = on)\n",
              static_cast<long long>(PgScalar(db, "SELECT (current_setting('fsync') = 'on')::int")),
              static_cast<long long>(
                  PgScalar(db, "SELECT (current_setting('synchronous_commit') = 'on')::int")));
  PrintMem("at start", ReadProcessMemory(o.pid));

  std::atomic<int64_t> answered{0};  // waiting journeys w0 … w<answered-1> are committed
  std::mt19937_64 rng(42);
  std::unordered_set<int64_t> paid;
  // Called under the sender's lock: a random committed waiting journey not paid yet.
  auto pick_waiting = [&]() -> std::string {
    const int64_t n = answered.load();
    if (n == 0) return "";
    const int64_t i = std::uniform_int_distribution<int64_t>(0, n - 1)(rng);
    return paid.insert(i).second ? WaitingCustomer(i) : "";
  };
  auto waiting_row = [](int64_t i) {
    v1::StartJourneyRequest r;
    r.set_campaign_id("waiting");
    r.set_client_key(absl::StrCat("w-", i));
    r.mutable_customer()->set_customer_id(WaitingCustomer(i));
    r.mutable_customer()->set_phone_e164("+442079460958");
    r.mutable_customer()->set_time_zone("Europe/London");
    r.set_row(i);
    return r;
  };

  std::vector<std::string> size_json;
  int64_t started = 0;
  for (const int64_t size : o.sizes) {
    std::printf("\n== %lld waiting journeys ==\n", static_cast<long long>(size));
    // 1. Load, with payments meanwhile.
    PaymentSender load_payments(stub, absl::StrCat("pay-load-", size), pick_waiting, o.payment_rate,
                                o.payment_threads);
    const StartStats load =
        StartJourneys(*stub, waiting_row, started, size, o.stream_rows, &answered);
    const std::vector<double> load_ms = load_payments.Stop();
    started = size;
    const double starts_per_s = load.accepted / std::max(1e-9, absl::ToDoubleSeconds(load.elapsed));
    std::printf("  load: %lld started in %.1f s (%.0f/s), %lld rejected%s\n",
                static_cast<long long>(load.accepted), absl::ToDoubleSeconds(load.elapsed),
                starts_per_s, static_cast<long long>(load.rejected),
                load.rejected ? absl::StrCat(" (first: ", load.first_reject, ")").c_str() : "");
    std::printf("  payment -> ended during the load %s\n",
                SummaryLine("", load_ms, load_payments).c_str());
    const auto mem_loaded = ReadProcessMemory(o.pid);
    PrintMem("after the load", mem_loaded);

    // 2. PostgreSQL bytes.
    const int64_t journeys = PgScalar(db, "SELECT count(*) FROM journeys");
    const int64_t waiting = PgScalar(db, "SELECT count(*) FROM journeys WHERE status = 1");
    int64_t total_bytes = 0;
    std::vector<std::string> per_table;
    for (const char* t : kTables) {
      const int64_t b = PgScalar(db, absl::StrCat("SELECT pg_total_relation_size('", t, "')"));
      total_bytes += b;
      per_table.push_back(absl::StrCat(t, " ", b / std::max<int64_t>(1, journeys)));
    }
    const int64_t db_bytes = PgScalar(db, "SELECT pg_database_size(current_database())");
    const double bytes_per_journey =
        static_cast<double>(total_bytes) / std::max<int64_t>(1, journeys);
    std::printf(
        "  postgresql: %lld journeys stored (%lld waiting), %.1f MB in the journey "
        "tables = %.0f bytes per journey (%s); database %.1f MB\n",
        static_cast<long long>(journeys), static_cast<long long>(waiting), total_bytes / 1048576.0,
        bytes_per_journey, absl::StrJoin(per_table, ", ").c_str(), db_bytes / 1048576.0);

    // 3. Payments on the idle system.
    PaymentSender idle_payments(stub, absl::StrCat("pay-idle-", size), pick_waiting,
                                std::min(o.payment_rate, 20.0), 1);
    absl::SleepFor(absl::Seconds(o.idle_seconds));
    const std::vector<double> idle_ms = idle_payments.Stop();
    std::printf("  payment -> ended, idle %s\n", SummaryLine("", idle_ms, idle_payments).c_str());

    // 4. The timer burst. Its due second leaves time for its starts at the observed rate.
    const std::string timer_campaign = absl::StrCat("timers-", size);
    PutCampaign(*stub, timer_campaign, kTimerDefinition);
    const double lead =
        std::max(o.min_lead_seconds, 3.0 * o.timers / std::max(1.0, starts_per_s) + 5);
    const absl::Time due =
        absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() + absl::Seconds(lead)) + 1);
    const std::string due_text = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", due, absl::UTCTimeZone());
    auto timer_row = [&](int64_t i) {
      v1::StartJourneyRequest r;
      r.set_campaign_id(timer_campaign);
      r.set_client_key(absl::StrCat("t-", i));
      r.mutable_customer()->set_customer_id(absl::StrCat("t", size, "-", i));
      r.mutable_customer()->set_phone_e164("+442079460958");
      (*r.mutable_input()->mutable_fields())["dueAt"].set_string_value(due_text);
      r.set_row(i);
      return r;
    };
    const StartStats burst_start = StartJourneys(*stub, timer_row, 0, o.timers, o.stream_rows);
    const absl::Time burst_started = absl::Now();
    const bool started_late = burst_started > due - absl::Seconds(1);
    std::printf("  timer burst: %lld journeys due at %s, started in %.1f s%s\n",
                static_cast<long long>(burst_start.accepted), due_text.c_str(),
                absl::ToDoubleSeconds(burst_start.elapsed),
                started_late ? " (LATE: less than 1 s before the due second)" : "");
    absl::SleepFor(due - absl::Seconds(2) - absl::Now());
    PaymentSender burst_payments(stub, absl::StrCat("pay-timers-", size), pick_waiting,
                                 o.payment_rate, o.payment_threads);
    const std::string running_sql = absl::StrCat(
        "SELECT count(*) FROM journeys WHERE campaign_id = '", timer_campaign, "' AND status = 1");
    // The history time is the orchestrator's clock when it began the batch of timers it applied
    // together, before their commit. What a reader sees is the commit: polled here every
    // 100 ms, the moment the p50 / p99 share of the burst had left its Wait.
    int64_t still_waiting = 0;
    absl::Time polled;
    std::optional<double> visible_p50_ms, visible_p99_ms;
    const int64_t burst_n = burst_start.accepted;
    do {
      absl::SleepFor(absl::Milliseconds(100));
      still_waiting = PgScalar(db, running_sql);
      polled = absl::Now();
      const int64_t done = burst_n - still_waiting;
      const double since_due_ms = absl::ToDoubleMilliseconds(polled - due);
      if (!visible_p50_ms && done * 100 >= burst_n * 50) visible_p50_ms = since_due_ms;
      if (!visible_p99_ms && done * 100 >= burst_n * 99) visible_p99_ms = since_due_ms;
    } while ((still_waiting > 0 || polled < due + absl::Seconds(3)) &&
             polled < due + absl::Seconds(o.timer_timeout_seconds));
    const std::vector<double> burst_ms = burst_payments.Stop();
    std::vector<double> lateness_ms;
    {
      pqxx::nontransaction tx(db);
      const int64_t due_us = absl::ToUnixMicros(due);
      for (const auto& row : tx.exec(absl::StrCat(
               "SELECT (blend_ts_to_us(h.at) - ", due_us,
               ") / 1000.0 FROM journey_history h "
               "JOIN journeys j ON j.journey_id = h.journey_id WHERE j.campaign_id = '",
               timer_campaign, "' AND h.kind = 'StateEntered' AND h.state_name = 'Due'"))) {
        lateness_ms.push_back(row[0].as<double>());
      }
    }
    const Summary late = Summarize(lateness_ms);
    std::printf(
        "  timer lateness (history time of the next state - due second): %lld fired, "
        "p50 %s ms, p99 %s ms, max %s ms; %lld still waiting at the end\n",
        static_cast<long long>(late.count), JsonNumber(late.p50).c_str(),
        JsonNumber(late.p99).c_str(), JsonNumber(late.max).c_str(),
        static_cast<long long>(still_waiting));
    std::printf(
        "  timer steps visible (committed) to a reader polling every 100 ms: p50 by "
        "%s ms, p99 by %s ms after the due second\n",
        JsonNumber(visible_p50_ms, 0).c_str(), JsonNumber(visible_p99_ms, 0).c_str());
    std::printf("  payment -> ended during the burst %s\n",
                SummaryLine("", burst_ms, burst_payments).c_str());
    const auto mem_burst = ReadProcessMemory(o.pid);
    PrintMem("after the burst", mem_burst);

    size_json.push_back(absl::StrCat(
        "{\"waiting\": ", waiting, ", \"journeys\": ", journeys,
        ", \"starts_per_s\": ", JsonNumber(starts_per_s, 0), ", ", MemJson("orch", mem_loaded),
        ", \"orch_rss_after_burst_mb\": ",
        JsonNumber(mem_burst ? std::optional(mem_burst->rss_mb) : std::nullopt),
        ", \"pg_bytes_per_journey\": ", JsonNumber(bytes_per_journey, 0),
        ", \"pg_journey_tables_mb\": ", JsonNumber(total_bytes / 1048576.0),
        ", \"timers\": ", late.count, ", \"timer_lateness_p50_ms\": ", JsonNumber(late.p50),
        ", \"timer_lateness_p99_ms\": ", JsonNumber(late.p99), ", \"timer_lateness_max_ms\": ",
        JsonNumber(late.max), ", \"timer_committed_p50_ms\": ", JsonNumber(visible_p50_ms, 0),
        ", \"timer_committed_p99_ms\": ", JsonNumber(visible_p99_ms, 0),
        ", \"timers_started_late\": ", started_late ? "true" : "false", ", ",
        Pct(Summarize(load_ms), "payment_ended_load"), ", ",
        Pct(Summarize(idle_ms), "payment_ended_idle"), ", ",
        Pct(Summarize(burst_ms), "payment_ended_burst"), "}"));
  }
  std::printf("{\"benchmark\": \"cost_curve_waiting\", \"sizes\": [%s]}\n",
              absl::StrJoin(size_json, ", ").c_str());
  return 0;
}

#include "cluster_harness.h"

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blend/common/ids.h"
#include "blend/common/testing/ports.h"

namespace blend::e2e {
namespace {

constexpr absl::Duration kReadyTimeout = absl::Seconds(60);
constexpr absl::Duration kStopGrace = absl::Seconds(20);
constexpr int kLogTailLines = 40;

std::string Loopback(int port) { return absl::StrCat("127.0.0.1:", port); }

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// The first HTTP status of GET http://127.0.0.1:<port><path>; 0 when nothing answers.
int HttpStatus(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1);
  client.set_read_timeout(2);
  httplib::Result r = client.Get(path.c_str());
  return r ? r->status : 0;
}

}  // namespace

// Fixture lifecycle

void ClusterTest::SetUp() {
  brokers_ = test_support::RequireEnv("BLEND_KAFKA_BROKERS");
  ASSERT_FALSE(brokers_.empty());
  ASSERT_FALSE(test_support::RequireEnv("BLEND_PG_URL").empty());
  auto db = store::testing::TestDatabase::CreateFromEnv();
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = std::move(*db);
  prefix_ = absl::StrCat("e2e", NewUuid().substr(0, 8), ".");
  std::string pattern = (std::filesystem::temp_directory_path() / "blend-e2e-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr) << strerror(errno);
  tmp_dir_ = pattern;
}

void ClusterTest::TearDown() {
  // Workers first (they call the orchestrator and the simulator), the simulator last.
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    absl::StatusOr<int> code = (*it)->Terminate(kStopGrace);
    EXPECT_TRUE(code.ok() && *code == 0)
        << (*it)->name() << " did not stop cleanly on SIGTERM: "
        << (code.ok() ? absl::StrCat("exit code ", *code) : code.status().ToString());
  }
  if (HasFailure()) {
    for (const auto& child : children_) {
      std::cerr << "----- last " << kLogTailLines << " lines of " << child->log_path() << "\n"
                << child->LogTail(kLogTailLines);
    }
    std::cerr << "----- logs kept in " << tmp_dir_ << "\n";
  } else if (!tmp_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(tmp_dir_, ignored);
  }
  journeys_.reset();
  children_.clear();
  db_.reset();
}

ChildProcess* ClusterTest::Spawn(const std::string& name, std::vector<std::string> argv) {
  auto child = ChildProcess::Spawn(name, std::move(argv),
                                   test_support::LogTo(absl::StrCat(tmp_dir_, "/", name, ".log")));
  if (!child.ok()) {
    ADD_FAILURE() << child.status();
    return nullptr;
  }
  children_.push_back(std::move(*child));
  return children_.back().get();
}

void ClusterTest::WaitReady(ChildProcess& child, int metrics_port, absl::Duration timeout) {
  metrics_ports_[child.name()] = metrics_port;
  for (absl::Time end = absl::Now() + timeout; absl::Now() < end;) {
    if (!child.Running()) {
      FAIL() << child.name() << " exited during start-up:\n" << child.LogTail(kLogTailLines);
    }
    if (HttpStatus(metrics_port, "/readyz") == 200) return;
    absl::SleepFor(absl::Milliseconds(100));
  }
  FAIL() << child.name() << " not ready (/readyz) within " << absl::FormatDuration(timeout) << ":\n"
         << child.LogTail(kLogTailLines);
}

void ClusterTest::StartSim() {
  sim_port_ = test_support::FreeLoopbackPort();
  dialer_http_port_ = test_support::FreeLoopbackPort();
  int metrics = test_support::FreeLoopbackPort();
  std::string hooks = absl::StrCat("http://", Loopback(dialer_http_port_), "/webhooks/genesys/");
  std::vector<std::string> argv = {
      BLEND_GENESYS_SIM_BIN,
      "--http-addr=" + Loopback(sim_port_),
      "--metrics-addr=" + Loopback(metrics),
      "--log-level=" + options_.log_level,
      absl::StrCat("--rate-limit-per-minute=", options_.sim_rate_limit_per_minute),
      "--dial-delay=" + options_.dial_delay,
      "--tick=50ms",
      "--postcontact-webhook-urls=" + hooks + "post-contact",
      "--inbound-sms-webhook-urls=" + hooks + "inbound-sms"};
  if (options_.dial_check) {
    argv.push_back(
        absl::StrCat("--precall-url=http://", Loopback(dialer_http_port_), "/v1/dial-check"));
    argv.push_back(absl::StrCat("--precall-user=", kDialCheckUser));
    argv.push_back(absl::StrCat("--precall-password=", kDialCheckPassword));
  }
  if (!options_.sim_config.empty()) {
    std::string path = tmp_dir_ + "/sim-config.json";
    std::ofstream(path) << options_.sim_config.dump(2);
    argv.push_back("--config=" + path);
  }
  ChildProcess* sim = Spawn("genesys-sim", std::move(argv));
  ASSERT_NE(sim, nullptr);
  WaitReady(*sim, metrics, kReadyTimeout);
}

std::vector<std::string> ClusterTest::WorkerArgs(const std::string& service, int metrics_port) {
  std::vector<std::string> args = {"--kafka-brokers=" + brokers_,
                                   "--pg-url=" + db_->url(),
                                   "--orchestrator-addr=" + Loopback(orchestrator_port_),
                                   "--genesys-api-url=http://" + Loopback(sim_port_),
                                   absl::StrCat("--quota-rpm=", options_.quota_rpm),
                                   "--topic-prefix=" + prefix_,
                                   "--group-id=" + prefix_ + service,
                                   "--kafka-session-timeout=6s",
                                   "--metrics-addr=" + Loopback(metrics_port),
                                   "--log-level=" + options_.log_level};
  if (options_.quota_burst > 0)
    args.push_back(absl::StrCat("--quota-burst=", options_.quota_burst));
  return args;
}

void ClusterTest::StartServices() {
  ASSERT_NE(sim_port_, 0) << "StartSim() first";
  // The orchestrator migrates the database before it is ready; workers start after it.
  StartOrchestrator();
  if (HasFatalFailure()) return;
  StartWorkers();
}

void ClusterTest::StartOrchestrator() {
  orchestrator_port_ = test_support::FreeLoopbackPort();
  int metrics = test_support::FreeLoopbackPort();
  ChildProcess* orchestrator =
      Spawn("orchestrator", {BLEND_ORCHESTRATOR_BIN, "--grpc-addr=" + Loopback(orchestrator_port_),
                             "--metrics-addr=" + Loopback(metrics), "--pg-url=" + db_->url(),
                             "--kafka-brokers=" + brokers_, "--topic-prefix=" + prefix_,
                             "--consumer-group=" + prefix_ + "orchestrator", "--outbox-poll=20ms",
                             "--timer-poll=50ms", "--log-level=" + options_.log_level});
  ASSERT_NE(orchestrator, nullptr);
  WaitReady(*orchestrator, metrics, kReadyTimeout);
  if (HasFatalFailure()) return;
  journeys_ = v1::JourneyService::NewStub(
      grpc::CreateChannel(Loopback(orchestrator_port_), grpc::InsecureChannelCredentials()));
  consent_ = v1::ConsentService::NewStub(
      grpc::CreateChannel(Loopback(orchestrator_port_), grpc::InsecureChannelCredentials()));
}

// All workers start at once (their start-up overlaps), then each must become ready.
void ClusterTest::StartWorkers() {
  struct Worker {
    std::string log_name;  // also the process's --worker-id
    const char* service;   // consumer group <prefix><service>
    const char* bin;
    std::vector<std::string> extra;
  };
  std::vector<Worker> workers;
  for (int i = 0; i < options_.sms_worker_replicas; ++i) {
    workers.push_back({absl::StrCat("sms-worker-", i), "sms-worker", BLEND_SMS_WORKER_BIN, {}});
  }
  workers.push_back({"dialer-worker",
                     "dialer-worker",
                     BLEND_DIALER_WORKER_BIN,
                     {"--http-addr=" + Loopback(dialer_http_port_),
                      "--dnc-refresh-interval=" + options_.dnc_refresh_interval,
                      "--dnc-push-interval=" + options_.dnc_push_interval,
                      absl::StrCat("--dial-check-user=", kDialCheckUser),
                      absl::StrCat("--dial-check-password=", kDialCheckPassword)}});
  workers.push_back({"email-worker",
                     "email-worker",
                     BLEND_EMAIL_WORKER_BIN,
                     {"--http-addr=" + Loopback(test_support::FreeLoopbackPort())}});
  std::vector<std::pair<ChildProcess*, int>> started;
  for (auto& w : workers) {
    int port = test_support::FreeLoopbackPort();
    std::vector<std::string> argv = {w.bin, "--worker-id=" + w.log_name};
    for (auto& a : WorkerArgs(w.service, port)) argv.push_back(std::move(a));
    for (auto& a : w.extra) argv.push_back(std::move(a));
    ChildProcess* child = Spawn(w.log_name, std::move(argv));
    ASSERT_NE(child, nullptr);
    started.emplace_back(child, port);
  }
  for (auto& [child, port] : started) {
    WaitReady(*child, port, kReadyTimeout);
    if (HasFatalFailure()) return;
  }
}

// Simulator admin API

HttpResult ClusterTest::SimGet(const std::string& path_and_query) {
  httplib::Client client("127.0.0.1", sim_port_);
  client.set_read_timeout(10);
  HttpResult out;
  httplib::Result r = client.Get(path_and_query.c_str());
  if (!r) return out;
  out.status = r->status;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

HttpResult ClusterTest::SimSend(const std::string& method, const std::string& path,
                                const nlohmann::json& body) {
  httplib::Client client("127.0.0.1", sim_port_);
  client.set_read_timeout(10);
  std::string text = body.dump();
  httplib::Result r = method == "PUT" ? client.Put(path.c_str(), text, "application/json")
                                      : client.Post(path.c_str(), text, "application/json");
  HttpResult out;
  if (!r) return out;
  out.status = r->status;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

std::vector<AuditEntry> ClusterTest::Audit(
    const std::vector<std::pair<std::string, std::string>>& query) {
  httplib::Params params;
  params.emplace("limit", "100000");
  for (const auto& [k, v] : query) {
    if (k == "limit") params.erase("limit");
    params.emplace(k, v);
  }
  HttpResult r = SimGet(httplib::append_query_params("/sim/audit", params));
  EXPECT_EQ(r.status, 200) << r.body.dump();
  std::vector<AuditEntry> out;
  if (r.status != 200 || !r.body.contains("entries")) return out;
  for (const auto& e : r.body["entries"]) {
    AuditEntry a;
    a.seq = e.value("seq", int64_t{0});
    std::string err;
    absl::ParseTime(absl::RFC3339_full, e.value("time", ""), &a.time, &err);
    a.method = e.value("method", "");
    a.path = e.value("path", "");
    a.operation = e.value("operation", "");
    a.client_id = e.value("clientId", "");
    a.status = e.value("status", 0);
    a.touch_id = e.value("touchId", "");
    a.to_address = e.value("toAddress", "");
    a.outcome = e.value("outcome", "");
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<AuditEntry> ClusterTest::SentTouches(const std::string& operation,
                                                 const std::string& touch_id) {
  return Audit({{"operation", operation}, {"touchId", touch_id}, {"status", "200"}});
}

std::vector<AuditEntry> ClusterTest::TouchRequestsOf(const std::string& journey_id) {
  std::vector<AuditEntry> out;
  for (const char* op : {"sms.send", "contacts.add", "email.send"}) {
    for (AuditEntry& e : Audit({{"operation", op}})) {
      if (absl::StartsWith(e.touch_id, journey_id + "/")) out.push_back(std::move(e));
    }
  }
  return out;
}

std::string ClusterTest::InsertedTouch(const std::string& journey_id) {
  std::string touch;
  Eventually([&] {
    for (const AuditEntry& e : TouchRequestsOf(journey_id)) {
      if (e.operation == "contacts.add" && e.status == 200) touch = e.touch_id;
    }
    return !touch.empty();
  });
  return touch;
}

std::vector<nlohmann::json> ClusterTest::CallsTo(const std::string& phone) {
  HttpResult r = SimGet("/sim/calls");
  EXPECT_EQ(r.status, 200);
  std::vector<nlohmann::json> out;
  const nlohmann::json& calls =
      r.body.is_object() && r.body.contains("calls") ? r.body["calls"] : r.body;
  if (!calls.is_array()) {
    ADD_FAILURE() << "unexpected /sim/calls answer: " << r.body.dump();
    return out;
  }
  for (const auto& c : calls) {
    if (c.value("phoneNumber", "") == phone) out.push_back(c);
  }
  return out;
}

// JourneyService

void ClusterTest::PutCampaign(const std::string& id, const std::string& definition_json,
                              const std::string& policies_json,
                              const std::map<std::string, std::string>& aliases) {
  grpc::ClientContext ctx;
  v1::PutCampaignRequest req;
  req.mutable_campaign()->set_campaign_id(id);
  req.mutable_campaign()->set_definition_json(definition_json);
  req.mutable_campaign()->set_policies_json(policies_json);
  for (const auto& [k, v] : aliases) (*req.mutable_campaign()->mutable_resource_aliases())[k] = v;
  v1::PutCampaignResponse resp;
  grpc::Status s = journeys_->PutCampaign(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

v1::StartJourneyRequest ClusterTest::JourneyRequest(const std::string& campaign,
                                                    const std::string& customer,
                                                    const std::string& phone) {
  v1::StartJourneyRequest r;
  r.set_campaign_id(campaign);
  r.set_client_key("key-" + customer);
  r.mutable_customer()->set_customer_id(customer);
  r.mutable_customer()->set_phone_e164(phone);
  r.mutable_customer()->set_email(customer + "@customer.example");
  r.mutable_customer()->set_time_zone("America/New_York");
  (*r.mutable_input()->mutable_fields())["invoice"].set_string_value("INV-" + customer);
  return r;
}

grpc::Status ClusterTest::StartJourney(const v1::StartJourneyRequest& request,
                                       v1::StartJourneyResponse* response) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return journeys_->StartJourney(&ctx, request, response);
}

v1::Journey ClusterTest::GetJourney(const std::string& id) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetJourneyRequest req;
  req.set_journey_id(id);
  v1::Journey j;
  grpc::Status s = journeys_->GetJourney(&ctx, req, &j);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return j;
}

v1::Journey ClusterTest::WaitForJourney(const std::string& id,
                                        const std::function<bool(const v1::Journey&)>& done,
                                        absl::Duration timeout) {
  v1::Journey j;
  for (absl::Time end = absl::Now() + timeout;;) {
    j = GetJourney(id);
    if (done(j)) return j;
    if (absl::Now() >= end) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ADD_FAILURE() << "journey " << id << " did not reach the expected point within "
                << absl::FormatDuration(timeout) << ":\n"
                << j.DebugString();
  return j;
}

v1::Journey ClusterTest::WaitForStatus(const std::string& id, v1::JourneyStatus status,
                                       absl::Duration timeout) {
  return WaitForJourney(
      id, [status](const v1::Journey& j) { return j.status() == status; }, timeout);
}

v1::SendCustomerEventResponse ClusterTest::SendPayment(const std::string& customer,
                                                       const std::string& event_id) {
  grpc::ClientContext ctx;
  v1::SendCustomerEventRequest req;
  req.mutable_event()->set_event_id(event_id);
  req.mutable_event()->set_customer_id(customer);
  req.mutable_event()->set_type("payment.received");
  (*req.mutable_event()->mutable_attributes()->mutable_fields())["paymentStatus"].set_string_value(
      "PAID");
  v1::SendCustomerEventResponse resp;
  grpc::Status s = journeys_->SendCustomerEvent(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

// Histories

bool ClusterTest::Entered(const v1::Journey& j, const std::string& state) {
  for (const auto& h : j.history()) {
    if (h.kind() == "StateEntered" && h.state_name() == state) return true;
  }
  return false;
}

int ClusterTest::CountKind(const v1::Journey& j, const std::string& kind) {
  int n = 0;
  for (const auto& h : j.history()) n += h.kind() == kind;
  return n;
}

absl::Time ClusterTest::HistoryTime(const v1::Journey& j, const std::string& kind,
                                    const std::string& state) {
  for (const auto& h : j.history()) {
    if (h.kind() == kind && (state.empty() || h.state_name() == state)) return ToTime(h.at());
  }
  return absl::InfinitePast();
}

std::vector<std::string> ClusterTest::TouchIds(const v1::Journey& j, const std::string& state) {
  std::vector<std::string> out;
  for (const auto& h : j.history()) {
    if (h.kind() != "TaskScheduled" || h.state_name() != state) continue;
    auto it = h.detail().fields().find("touchId");
    if (it != h.detail().fields().end()) out.push_back(it->second.string_value());
  }
  return out;
}

double ClusterTest::Metric(const std::string& child, const std::string& metric,
                           const std::map<std::string, std::string>& labels) {
  auto port = metrics_ports_.find(child);
  if (port == metrics_ports_.end()) {
    ADD_FAILURE() << "no child named " << child;
    return 0;
  }
  httplib::Client client("127.0.0.1", port->second);
  client.set_read_timeout(5);
  httplib::Result r = client.Get("/metrics");
  if (!r || r->status != 200) {
    ADD_FAILURE() << "cannot scrape " << child << "'s /metrics";
    return 0;
  }
  double sum = 0;
  std::istringstream text(r->body);
  for (std::string line; std::getline(text, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t name_end = line.find_first_of("{ ");
    if (line.compare(0, name_end, metric) != 0 || name_end != metric.size()) continue;
    size_t value_at = line.rfind(' ');
    std::string series = line.substr(name_end, value_at - name_end);
    bool match = true;
    for (const auto& [k, v] : labels)
      match &= absl::StrContains(series, absl::StrCat(k, "=\"", v, "\""));
    if (match) sum += std::stod(line.substr(value_at + 1));
  }
  return sum;
}

}  // namespace blend::e2e

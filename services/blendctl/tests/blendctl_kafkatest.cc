// blendctl end to end against the real blend-orchestrator binary on the PostgreSQL and Kafka
// of scripts/cluster (BLEND_PG_URL, BLEND_KAFKA_BROKERS): one orchestrator child process per
// suite (fresh database, unique topic prefix, free port); every test runs the real blendctl
// binary and asserts its stdout, --json documents, files and exit codes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "blend/common/ids.h"
#include "blend/common/testing/child_process.h"
#include "blend/common/testing/ports.h"
#include "blend/store/testing/test_database.h"

namespace blend {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kDefinition[] = R"json({
  "StartAt": "SendInitialSMS",
  "States": {
    "SendInitialSMS": {"Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:Sms",
                       "Next": "WaitForPayment"},
    "WaitForPayment": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

// No quiet hours: nothing in these tests depends on the time of day.
constexpr char kPolicies[] = R"json({
  "exitEvents": [{"eventType": "payment", "status": "SUCCEEDED"}],
  "quietHours": {"sms": null, "voice": null, "email": null}
})json";

constexpr char kBadDefinition[] = R"json({
  "StartAt": "First",
  "States": {"First": {"Type": "Pass", "Next": "Missing"}}
})json";

constexpr char kExampleCampaign[] = BLEND_SOURCE_DIR "/examples/blended-collections/campaign.json";

constexpr char kAlias[] = "--alias=arn:aws:lambda:REGION:ACCOUNT:function:Sms=blend:sms";

using Result = test_support::RunResult;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Runs `bin args...` (environment: ours plus `extra_env` "NAME=value" entries) with stdout and
// stderr captured; waits for it to exit.
Result RunProcess(const std::string& bin, const std::vector<std::string>& args,
                  const std::string& dir, std::vector<std::string> extra_env = {}) {
  std::vector<std::string> argv = {bin};
  argv.insert(argv.end(), args.begin(), args.end());
  return test_support::RunToExit(argv, dir, absl::Seconds(120), std::move(extra_env));
}

class BlendctlTest : public ::testing::Test {
 protected:
  // Shared by the tests of one process, started by the first test: a failure here fails that
  // test (in SetUpTestSuite it would only mark the tests skipped).
  void SetUp() override {
    if (orchestrator_ == nullptr) StartSharedOrchestrator();
    ASSERT_NE(orchestrator_, nullptr) << "the shared orchestrator did not start";
  }

  static void StartSharedOrchestrator() {
    const char* brokers = std::getenv("BLEND_KAFKA_BROKERS");
    ASSERT_NE(brokers, nullptr) << "BLEND_KAFKA_BROKERS is not set: run `scripts/cluster up` "
                                   "and source .local/cluster.env";
    if (db_ == nullptr) {
      auto db = store::testing::TestDatabase::CreateFromEnv();
      ASSERT_TRUE(db.ok()) << db.status();
      db_ = std::move(*db).release();
      dir_ = new std::string(std::filesystem::temp_directory_path() /
                             ("blendctl-" + NewUuid().substr(0, 8)));
      std::filesystem::create_directories(*dir_);
      addr_ = new std::string(absl::StrCat("127.0.0.1:", test_support::FreeLoopbackPort()));
    }
    std::unique_ptr<test_support::ChildProcess> child = SpawnOrchestrator(*addr_, {});
    ASSERT_NE(child, nullptr);
    ASSERT_TRUE(WaitReady(*addr_, {})) << "orchestrator did not answer on " << *addr_;
    orchestrator_ = child.release();
  }

  // A blend-orchestrator child on the suite's database and a fresh topic prefix.
  static std::unique_ptr<test_support::ChildProcess> SpawnOrchestrator(
      const std::string& addr, std::vector<std::string> extra) {
    std::string prefix = absl::StrCat("ctl", NewUuid().substr(0, 8), ".");
    std::vector<std::string> args = {
        BLEND_ORCHESTRATOR_BIN,
        "--grpc-addr=" + addr,
        "--metrics-addr=127.0.0.1:0",
        "--pg-url=" + db_->url(),
        std::string("--kafka-brokers=") + std::getenv("BLEND_KAFKA_BROKERS"),
        "--topic-prefix=" + prefix,
        "--consumer-group=" + prefix + "orchestrator",
        "--log-level=warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto child = test_support::ChildProcess::Spawn("blend-orchestrator", std::move(args));
    EXPECT_TRUE(child.ok()) << child.status();
    return child.ok() ? std::move(*child) : nullptr;
  }

  // Ready when blendctl gets an answer (NOT_FOUND) instead of UNAVAILABLE (exit 4).
  static bool WaitReady(const std::string& addr, std::vector<std::string> env) {
    int code = 4;
    for (absl::Time end = absl::Now() + absl::Seconds(60); code == 4 && absl::Now() < end;) {
      absl::SleepFor(absl::Milliseconds(200));
      code = RunProcess(BLENDCTL_BIN, {"--addr=" + addr, "campaign", "get", "none"}, *dir_, env)
                 .exit_code;
    }
    return code == 3;
  }

  static void Stop(test_support::ChildProcess& child) {
    absl::StatusOr<int> code = child.Terminate(absl::Seconds(30));
    EXPECT_TRUE(code.ok()) << code.status();
  }

  static void TearDownTestSuite() {
    if (orchestrator_ != nullptr) Stop(*orchestrator_);
    delete orchestrator_;
    orchestrator_ = nullptr;
    delete db_;
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
    delete dir_;
    delete addr_;
  }

  // blendctl --addr=<orchestrator> args...
  static Result Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), "--addr=" + *addr_);
    return RunProcess(BLENDCTL_BIN, args, *dir_);
  }

  static json Json(const Result& r) {
    json doc = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(doc.is_discarded()) << "stdout is not one JSON document: " << r.out;
    return doc;
  }

  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }

  // Stores the test campaign `id`; returns the version.
  static int PutCampaign(const std::string& id) {
    WriteFile(Path("def.json"), kDefinition);
    WriteFile(Path("policies.json"), kPolicies);
    Result r = Ctl({"campaign", "put", "--id", id, "--definition", Path("def.json"), "--policies",
                    Path("policies.json"), kAlias, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json(r).value("version", -1);
  }

  // Starts a journey for `customer`; returns its id.
  static std::string Start(const std::string& campaign, const std::string& customer,
                           const std::string& key) {
    Result r = Ctl({"journey", "start", "--campaign", campaign, "--customer-id", customer,
                    "--phone", "+442079460958", "--time-zone", "Europe/London", "--input",
                    R"({"invoice": "INV-1"})", "--idempotency-key", key, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json(r).value("journeyId", "");
  }

  static std::string JourneyStatus(const std::string& id) {
    Result r = Ctl({"journey", "get", id, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json(r).value("status", "");
  }

  static inline store::testing::TestDatabase* db_ = nullptr;
  static inline std::string* dir_ = nullptr;
  static inline std::string* addr_ = nullptr;
  static inline test_support::ChildProcess* orchestrator_ = nullptr;
};

TEST_F(BlendctlTest, CampaignPutGetAndValidate) {
  EXPECT_EQ(PutCampaign("camp-a"), 1);
  Result second = Ctl({"campaign", "put", "--id", "camp-a", "--definition", Path("def.json"),
                       "--policies", Path("policies.json"), kAlias});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, "campaign camp-a version 2 stored\n");

  Result latest = Ctl({"campaign", "get", "camp-a", "--json"});
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(Json(latest)["version"], 2);
  EXPECT_EQ(Json(latest)["resourceAliases"]["arn:aws:lambda:REGION:ACCOUNT:function:Sms"],
            "blend:sms");
  Result v1 = Ctl({"campaign", "get", "camp-a", "--version", "1"});
  ASSERT_EQ(v1.exit_code, 0) << v1.err;
  EXPECT_THAT(v1.out, HasSubstr("version:   1\n"));
  EXPECT_THAT(v1.out, HasSubstr("\"StartAt\": \"SendInitialSMS\""));

  WriteFile(Path("bad.json"), kBadDefinition);
  Result invalid =
      Ctl({"campaign", "validate", "--id", "camp-bad", "--definition", Path("bad.json")});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.out, HasSubstr("/States/First/Next: "));
  Result invalid_json = Ctl({"campaign", "validate", "--definition", Path("bad.json"), "--json"});
  EXPECT_EQ(invalid_json.exit_code, 1);
  EXPECT_EQ(Json(invalid_json)["valid"], false);
  EXPECT_EQ(Json(invalid_json)["problems"][0]["pointer"], "/States/First/Next");
  Result valid = Ctl({"campaign", "validate", "--id", "camp-a", "--definition", Path("def.json"),
                      "--policies", Path("policies.json"), kAlias});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  EXPECT_EQ(valid.out, "campaign camp-a: valid\n");

  Result put_bad = Ctl({"campaign", "put", "--id", "camp-bad", "--definition", Path("bad.json")});
  EXPECT_EQ(put_bad.exit_code, 1);
  EXPECT_THAT(put_bad.out, HasSubstr("/States/First/Next: "));
  EXPECT_EQ(Ctl({"campaign", "get", "camp-bad"}).exit_code, 3);

  // A whole campaign document (the `lint` format) is unpacked: id, policies and aliases too.
  Result doc = Ctl({"campaign", "put", "--definition", kExampleCampaign, "--json"});
  ASSERT_EQ(doc.exit_code, 0) << doc.err;
  EXPECT_EQ(Json(doc)["campaignId"], "blended-collections");
  Result stored = Ctl({"campaign", "get", "blended-collections", "--json"});
  EXPECT_THAT(Json(stored).value("policiesJson", ""), HasSubstr("exitEvents"));
  EXPECT_EQ(Ctl({"campaign", "get", "camp-a", "--version", "9"}).exit_code, 3);
}

TEST_F(BlendctlTest, JourneyStartGetHistoryListCancel) {
  PutCampaign("camp-j");
  std::string id = Start("camp-j", "cust-j", "key-j");
  ASSERT_FALSE(id.empty());
  // Same key and input: the same journey, not a second one.
  Result again = Ctl({"journey", "start", "--campaign", "camp-j", "--customer-id", "cust-j",
                      "--phone", "+442079460958", "--time-zone", "Europe/London", "--input",
                      R"({"invoice": "INV-1"})", "--idempotency-key", "key-j", "--json"});
  EXPECT_EQ(Json(again)["journeyId"], id);
  EXPECT_EQ(Json(again)["created"], false);

  Result get = Ctl({"journey", "get", id});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, HasSubstr("status:           RUNNING\n"));
  EXPECT_THAT(get.out, HasSubstr("customer:         cust-j\n"));

  Result history = Ctl({"journey", "history", id});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  std::vector<std::string> lines = absl::StrSplit(history.out, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 3u) << history.out;
  EXPECT_THAT(lines[0], ::testing::MatchesRegex("SEQ +AT +KIND +STATE +DETAIL"));
  EXPECT_THAT(history.out, HasSubstr("JourneyStarted"));
  EXPECT_THAT(history.out, HasSubstr("SendInitialSMS"));
  Result history_json = Ctl({"journey", "history", id, "--json"});
  EXPECT_EQ(Json(history_json)["history"].size(), lines.size() - 1);

  Result list = Ctl({"journey", "list", "--customer-id", "cust-j", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  ASSERT_EQ(Json(list)["journeys"].size(), 1u);
  EXPECT_EQ(Json(list)["journeys"][0]["journeyId"], id);
  EXPECT_THAT(Ctl({"journey", "list", "--customer-id", "cust-j"}).out, HasSubstr(id));

  Result cancel = Ctl({"journey", "cancel", id, "--reason", "customer disputed"});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_EQ(cancel.out, "journey " + id + ": CANCELLED\n");
  EXPECT_EQ(JourneyStatus(id), "JOURNEY_STATUS_CANCELLED");

  EXPECT_EQ(Ctl({"journey", "get", "no-such-journey"}).exit_code, 3);
  EXPECT_EQ(
      Ctl({"journey", "start", "--campaign", "camp-j", "--customer-id", "c", "--input", "[1]"})
          .exit_code,
      1);
  EXPECT_EQ(Ctl({"journey", "start", "--campaign", "camp-j", "--customer-id", "c", "--phone", "12"})
                .exit_code,
            1);
  EXPECT_EQ(
      Ctl({"journey", "start", "--campaign", "no-such-campaign", "--customer-id", "c"}).exit_code,
      3);
}

TEST_F(BlendctlTest, PaymentEventEndsTheJourney) {
  PutCampaign("camp-e");
  std::string id = Start("camp-e", "cust-e", "key-e");
  ASSERT_FALSE(id.empty());
  Result send = Ctl({"event", "send", "--customer-id", "cust-e", "--type", "payment", "--data",
                     R"({"paymentStatus": "PAID"})", "--event-id", "pay-e-1", "--json"});
  ASSERT_EQ(send.exit_code, 0) << send.err;
  EXPECT_EQ(Json(send)["journeysMatched"], 1);
  EXPECT_EQ(Json(send)["duplicate"], false);
  EXPECT_THAT(Ctl({"journey", "get", id}).out, HasSubstr("status:           SUCCEEDED\n"));
  Result again = Ctl(
      {"event", "send", "--customer-id", "cust-e", "--type", "payment", "--event-id", "pay-e-1"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, "event pay-e-1 was already applied; nothing changed\n");
}

TEST_F(BlendctlTest, StartManyRejectsExactlyTheBadRows) {
  PutCampaign("camp-m");
  std::string csv = "customer_id,phone,time_zone,invoice,attr.segment\r\n";
  for (int i = 1; i <= 1000; ++i) {
    int line = i + 1;
    if (line == 11) {
      csv += "bulk-10,\"+442079460958\"x,Europe/London,INV-10,gold\r\n";  // text after a quote
    } else if (line == 501) {
      csv += "bulk-500,12,Europe/London,INV-500,gold\r\n";  // bad phone: the server rejects it
    } else if (line == 901) {
      csv += "bulk-900,+442079460958\r\n";  // too few fields
    } else {
      csv += absl::StrCat("bulk-", i, ",+442079460958,Europe/London,\"INV, ", i, "\",gold\r\n");
    }
  }
  WriteFile(Path("bulk.csv"), csv);
  Result r = Ctl({"journey", "start-many", "--campaign", "camp-m", "--csv", Path("bulk.csv"),
                  "--rejects", Path("rejects.csv"), "--batch", "400", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  json summary = Json(r);
  EXPECT_EQ(summary["rows"], 1000);
  EXPECT_EQ(summary["accepted"], 997);
  EXPECT_EQ(summary["created"], 997);
  EXPECT_EQ(summary["rejected"], 3);
  std::vector<std::string> rejects =
      absl::StrSplit(ReadFile(Path("rejects.csv")), '\n', absl::SkipEmpty());
  ASSERT_EQ(rejects.size(), 4u) << ReadFile(Path("rejects.csv"));
  EXPECT_EQ(rejects[0], "line,customer_id,reason");
  EXPECT_THAT(rejects[1], ::testing::StartsWith("11,bulk-10,malformed CSV"));
  EXPECT_THAT(rejects[2], ::testing::StartsWith("501,bulk-500,bad phone number"));
  EXPECT_THAT(rejects[3], ::testing::StartsWith("901,bulk-900,\"expected 5 fields, found 2\""));
  // Non-TTY stderr: plain progress lines or none (a fast run), never the bar's escapes.
  EXPECT_EQ(r.err.find("\033["), std::string::npos);

  Result one = Ctl({"journey", "list", "--customer-id", "bulk-777", "--json"});
  ASSERT_EQ(Json(one)["journeys"].size(), 1u);
  Result get = Ctl({"journey", "get", Json(one)["journeys"][0]["journeyId"], "--json"});
  EXPECT_EQ(Json(get)["history"][0]["detail"]["input"]["invoice"], "INV, 777");

  // The same file again: every key exists with the same input, so nothing new starts.
  Result rerun =
      Ctl({"journey", "start-many", "--campaign", "camp-m", "--csv", Path("bulk.csv"), "--json"});
  EXPECT_EQ(Json(rerun)["created"], 0);
  EXPECT_EQ(Json(rerun)["duplicates"], 997);
  // An unknown campaign is reported once, before any row is sent.
  Result unknown =
      Ctl({"journey", "start-many", "--campaign", "no-such-campaign", "--csv", Path("bulk.csv")});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_THAT(unknown.err, HasSubstr("NOT_FOUND"));
}

// The attack file: a 10 MB row, a 5 MB row (within raised CSV limits but over
// gRPC's 4 MiB message limit) and a stray opening quote among normal rows. Each costs one
// reject with its line; every other row starts a journey, and the stream is never aborted.
TEST_F(BlendctlTest, StartManyHugeRowsAndAStrayQuoteCostOneRejectEach) {
  PutCampaign("camp-big");
  std::string csv = "customer_id,phone,note\n";
  for (int i = 1; i <= 200; ++i) {
    const int line = i + 1;
    if (line == 51) {
      csv += "big-10m,+442079460958," + std::string(10 << 20, 'x') + "\n";
    } else if (line == 101) {
      csv += "big-5m,+442079460958," + std::string(5 << 20, 'y') + "\n";
    } else if (line == 151) {
      csv += "stray,+442079460958,\"unclosed note\n";
    } else {
      csv += absl::StrCat("huge-", i, ",+442079460958,note ", i, "\n");
    }
  }
  WriteFile(Path("huge.csv"), csv);
  const std::string six_mib = std::to_string(6 << 20);
  Result r = Ctl({"journey", "start-many", "--campaign", "camp-big", "--csv", Path("huge.csv"),
                  "--rejects", Path("huge-rejects.csv"), "--batch", "64", "--json",
                  "--csv-max-field-bytes", six_mib, "--csv-max-record-bytes", six_mib});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  json summary = Json(r);
  EXPECT_FALSE(summary.contains("error")) << summary.dump();
  EXPECT_EQ(summary["rows"], 200);
  EXPECT_EQ(summary["created"], 197);
  EXPECT_EQ(summary["rejected"], 3);
  EXPECT_EQ(summary["lastConfirmedLine"], 201);
  std::vector<std::string> rejects =
      absl::StrSplit(ReadFile(Path("huge-rejects.csv")), '\n', absl::SkipEmpty());
  ASSERT_EQ(rejects.size(), 4u) << ReadFile(Path("huge-rejects.csv")).substr(0, 2000);
  EXPECT_THAT(rejects[1], ::testing::StartsWith("51,big-10m,malformed CSV: record longer than"));
  EXPECT_THAT(rejects[2], ::testing::StartsWith("101,big-5m,row too large to send:"));
  EXPECT_THAT(rejects[2], HasSubstr("4194304-byte gRPC message limit"));
  EXPECT_THAT(rejects[3], ::testing::StartsWith("151,stray,malformed CSV: unterminated quoted"));
  // The rows right after each bad one started.
  for (const char* customer : {"huge-51", "huge-101", "huge-151", "huge-200"}) {
    Result one = Ctl({"journey", "list", "--customer-id", customer, "--json"});
    EXPECT_EQ(Json(one)["journeys"].size(), 1u) << customer;
  }
}

TEST_F(BlendctlTest, CampaignStatsListPauseAndResume) {
  PutCampaign("camp-ops");
  ASSERT_FALSE(Start("camp-ops", "cust-ops", "key-ops").empty());
  Result stats = Ctl({"campaign", "stats", "camp-ops", "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  json doc = Json(stats);
  ASSERT_EQ(doc["states"].size(), 3u);  // every state of the definition, zeros included
  EXPECT_EQ(doc["states"][0]["stateName"], "SendInitialSMS");
  EXPECT_EQ(doc["states"][0]["current"], "1");  // int64: a string in protobuf's JSON mapping
  EXPECT_EQ(doc["states"][2]["entered"], "0");
  EXPECT_THAT(Ctl({"campaign", "stats", "camp-ops"}).out,
              ::testing::ContainsRegex("SendInitialSMS +1 +1"));

  EXPECT_EQ(Ctl({"campaign", "pause", "camp-ops"}).exit_code, 2) << "--reason is required";
  Result pause =
      Ctl({"campaign", "pause", "camp-ops", "--reason", "complaints", "--on-behalf-of", "alice"});
  ASSERT_EQ(pause.exit_code, 0) << pause.err;
  EXPECT_THAT(pause.out, HasSubstr("campaign camp-ops: paused since "));
  EXPECT_THAT(pause.out, HasSubstr(" by anonymous on behalf of alice: complaints\n"));
  Result list = Ctl({"campaign", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  bool listed = false;
  const json campaigns = Json(list)["campaigns"];
  for (const auto& c : campaigns) {
    if (c["campaignId"] != "camp-ops") continue;
    listed = true;
    EXPECT_EQ(c["pause"]["paused"], true);
    EXPECT_EQ(c["journeysRunning"], "1");
  }
  EXPECT_TRUE(listed) << list.out;
  EXPECT_THAT(Ctl({"campaign", "list"}).out, ::testing::ContainsRegex("camp-ops +1 +1 +0 .* yes"));

  Result resume = Ctl({"campaign", "resume", "camp-ops", "--reason", "fixed", "--json"});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  EXPECT_EQ(Json(resume)["paused"], false);
  EXPECT_EQ(Json(resume)["changedBy"], "anonymous");
  EXPECT_EQ(Json(resume)["reason"], "fixed");
  EXPECT_EQ(Ctl({"campaign", "stats", "no-such-campaign"}).exit_code, 3);
  EXPECT_EQ(Ctl({"campaign", "pause", "no-such-campaign", "--reason", "x"}).exit_code, 3);
}

TEST_F(BlendctlTest, UnreachableServerExitsFourAndUsageErrorsTwo) {
  std::string nowhere = absl::StrCat("--addr=127.0.0.1:", test_support::FreeLoopbackPort());
  Result r =
      RunProcess(BLENDCTL_BIN, {nowhere, "--timeout=5s", "journey", "get", "x", "--json"}, *dir_);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(Json(r)["error"]["code"], "UNAVAILABLE");
  WriteFile(Path("tiny.csv"), "customer_id\nc-1\n");
  Result bulk = RunProcess(
      BLENDCTL_BIN,
      {nowhere, "journey", "start-many", "--campaign", "x", "--csv", Path("tiny.csv")}, *dir_);
  EXPECT_EQ(bulk.exit_code, 4) << bulk.err;
  EXPECT_EQ(Ctl({"journey", "get"}).exit_code, 2);
  EXPECT_EQ(Ctl({"journey", "frobnicate"}).exit_code, 2);
  EXPECT_EQ(Ctl({"campaign", "put", "--id", "x", "--definition", Path("missing.json")}).exit_code,
            2);
}

// The orchestrator's --api-tokens: "name : sha256-hex(token) : scope".
TEST_F(BlendctlTest, TokenIsSentAsBearerFromFlagOrEnvironment) {
  constexpr char kToken[] = "blendctl-test-token";
  constexpr char kTokenSha256[] =
      "7897c60a56198871431c94d5ada7ae00a2a60ef8c2a8eb6a4696fcccc6307b9a";
  std::string addr = absl::StrCat("127.0.0.1:", test_support::FreeLoopbackPort());
  std::unique_ptr<test_support::ChildProcess> secured =
      SpawnOrchestrator(addr, {absl::StrCat("--api-tokens=ops:", kTokenSha256, ":*")});
  ASSERT_NE(secured, nullptr);
  bool ready = WaitReady(addr, {absl::StrCat("BLEND_TOKEN=", kToken)});
  Result anonymous = RunProcess(BLENDCTL_BIN, {"--addr=" + addr, "campaign", "get", "x"}, *dir_);
  Result flag = RunProcess(BLENDCTL_BIN,
                           {"--addr=" + addr, "campaign", "get", "x", "--token", kToken}, *dir_);
  Result wrong = RunProcess(BLENDCTL_BIN,
                            {"--addr=" + addr, "campaign", "get", "x", "--token", "nope"}, *dir_);
  Stop(*secured);
  ASSERT_TRUE(ready) << "secured orchestrator did not accept BLEND_TOKEN on " << addr;
  EXPECT_EQ(anonymous.exit_code, 5);
  EXPECT_THAT(anonymous.err, HasSubstr("UNAUTHENTICATED"));
  EXPECT_EQ(flag.exit_code, 3) << flag.err;
  EXPECT_EQ(wrong.exit_code, 5);
}

}  // namespace
}  // namespace blend

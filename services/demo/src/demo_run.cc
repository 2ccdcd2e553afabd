#include "blend/demo/demo_run.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "blend/demo/campaign_file.h"
#include "blend/demo/chaos_run.h"
#include "blend/demo/event_times.h"
#include "blend/demo/progress.h"
#include "blend/demo/prom_text.h"
#include "blend/demo/run_state.h"
#include "blend/demo/sim_admin.h"
#include "blend/demo/summary.h"
#include "blend/v1/engagement_service.grpc.pb.h"
#include "blend/v1/journey_service.grpc.pb.h"

namespace blend::demo {
namespace {

using Stub = v1::JourneyService::Stub;

void Say(const std::string& text) { std::cout << text << std::endl; }

int Fail(const std::string& what) {
  std::cerr << "blend-demo: " << what << std::endl;
  return 2;
}

std::string Describe(const grpc::Status& s) {
  return absl::StrCat(s.error_message(), " (gRPC code ", static_cast<int>(s.error_code()), ")");
}

// Seeds the Genesys DNC list and waits until the dialer has mirrored it into Blend's
// suppression store, so the first step's facts already know.
absl::Status SeedDncList(const DemoOptions& o, const std::vector<DemoCustomer>& customers) {
  std::vector<std::string> numbers;
  for (const DemoCustomer& c : customers) {
    if (c.on_dnc) numbers.push_back(c.phone_e164);
  }
  if (absl::Status s = SimAdmin(o.sim_url).PutDncList("demo-dnc", numbers); !s.ok()) return s;
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  auto url = o.metrics_urls.find("dialer-worker");
  if (url == o.metrics_urls.end()) return absl::OkStatus();
  while (absl::Now() < deadline) {
    auto body = HttpGet(url->second);
    if (body.ok() && SumOf(ParsePrometheusText(*body), "blend_dialer_dnc_mirrored_numbers") >=
                         static_cast<double>(numbers.size())) {
      Say(absl::StrCat("DNC: ", numbers.size(),
                       " numbers on Genesys list demo-dnc, mirrored by the dialer"));
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::DeadlineExceededError("the dialer did not mirror the DNC list within 30 s");
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

// Loads each customer's past interactions into Blend's engagement profiles, so the campaign's
// first channel can follow history from the first journey on.
absl::Status ImportHistory(const std::shared_ptr<grpc::Channel>& channel,
                           const std::vector<DemoCustomer>& customers) {
  std::map<std::string, const DemoCustomer*> by_id;
  for (const DemoCustomer& c : customers) by_id[c.customer_id] = &c;
  const std::map<std::string, v1::Channel> kChannels = {
      {"sms", v1::CHANNEL_SMS}, {"voice", v1::CHANNEL_VOICE}, {"email", v1::CHANNEL_EMAIL}};
  auto stub = v1::EngagementService::NewStub(channel);
  grpc::ClientContext ctx;
  v1::ImportInteractionsResponse resp;
  auto writer = stub->ImportInteractions(&ctx, &resp);
  absl::Time now = absl::Now();
  for (const PastInteraction& p : PastInteractions(customers)) {
    v1::ImportInteractionRequest req;
    req.set_row_key(p.row_key);
    req.set_customer_id(p.customer_id);
    req.set_channel(kChannels.at(p.channel));
    *req.mutable_occurred_at() = ToProto(now - p.ago);
    req.set_outcome(p.outcome);
    req.set_converted(p.converted);
    req.set_campaign_id("history");
    req.set_time_zone(by_id.at(p.customer_id)->time_zone);
    if (!writer->Write(req)) break;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return absl::UnavailableError("ImportInteractions: " + Describe(s));
  if (resp.rejected() > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("history import rejected ", resp.rejected(),
                     " rows, first: ", resp.errors_size() ? resp.errors(0).reason() : ""));
  }
  Say(absl::StrCat("history: ", resp.applied(),
                   " past interactions imported into engagement profiles (", resp.duplicates(),
                   " already there)"));
  return absl::OkStatus();
}

absl::StatusOr<int> PutCampaign(Stub& stub, const DemoCampaign& campaign) {
  v1::PutCampaignRequest req;
  req.mutable_campaign()->set_campaign_id(campaign.campaign_id);
  req.mutable_campaign()->set_definition_json(campaign.definition_json);
  req.mutable_campaign()->set_policies_json(campaign.policies_json);
  for (const auto& [k, v] : campaign.resource_aliases)
    (*req.mutable_campaign()->mutable_resource_aliases())[k] = v;
  v1::PutCampaignResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = stub.PutCampaign(&ctx, req, &resp);
  if (!s.ok()) return absl::InvalidArgumentError("PutCampaign: " + Describe(s));
  return resp.version();
}

v1::StartJourneyRequest StartRequest(const std::string& campaign_id, const DemoCustomer& c,
                                     int64_t row, const std::string& run_id) {
  v1::StartJourneyRequest req;
  req.set_campaign_id(campaign_id);
  req.set_client_key(absl::StrCat(run_id, ":", c.customer_id));
  req.set_row(row);
  v1::Customer* cu = req.mutable_customer();
  cu->set_customer_id(c.customer_id);
  cu->set_phone_e164(c.phone_e164);
  cu->set_email(c.email);
  cu->set_time_zone(c.time_zone);
  auto& input = *req.mutable_input()->mutable_fields();
  input["invoice"].set_string_value("INV-" + c.customer_id.substr(c.customer_id.rfind('-') + 1));
  input["amount"].set_string_value(absl::StrCat("$", 40 + row % 460, ".00"));
  return req;
}

// Streams the customers at `rows` through one StartJourneys call; fills customer id ->
// journey id and erases every row that got an answer from `rows`.
grpc::Status StartRows(Stub& stub, const std::string& campaign_id,
                       const std::vector<DemoCustomer>& customers, const std::string& run_id,
                       std::vector<size_t>& rows, std::map<std::string, std::string>& journeys,
                       int& rejected) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  auto stream = stub.StartJourneys(&ctx);
  std::thread writer([&] {
    for (size_t i : rows) {
      if (!stream->Write(StartRequest(campaign_id, customers[i], static_cast<int64_t>(i), run_id)))
        break;
    }
    stream->WritesDone();
  });
  std::set<size_t> answered;
  v1::StartJourneyResult result;
  while (stream->Read(&result)) {
    answered.insert(static_cast<size_t>(result.row()));
    if (result.accepted()) journeys[customers[result.row()].customer_id] = result.journey_id();
    else if (++rejected <= 5)
      std::cerr << "rejected row " << result.row() << ": " << result.reason() << "\n";
  }
  writer.join();
  grpc::Status s = stream->Finish();
  std::erase_if(rows, [&](size_t i) { return answered.contains(i); });
  return s;
}

// Streams every customer through StartJourneys. A stream that breaks off (an orchestrator
// replica died) is started again with the rows that got no answer, until `retry_for` has
// passed: the start is idempotent by client key, so a row the orchestrator committed but did
// not answer gets the same journey. Rows still unanswered then land in `not_started`.
absl::Status StartAll(Stub& stub, const std::string& campaign_id,
                      const std::vector<DemoCustomer>& customers, const std::string& run_id,
                      absl::Duration retry_for, std::map<std::string, std::string>& journeys,
                      int& rejected, std::vector<std::string>& not_started) {
  std::vector<size_t> rows(customers.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  absl::Time give_up = absl::Now() + retry_for;
  while (true) {
    grpc::Status s = StartRows(stub, campaign_id, customers, run_id, rows, journeys, rejected);
    if (s.ok() && rows.empty()) return absl::OkStatus();
    if (absl::Now() >= give_up) {
      for (size_t i : rows) not_started.push_back(customers[i].customer_id);
      return s.ok() ? absl::OkStatus() : absl::UnavailableError("StartJourneys: " + Describe(s));
    }
    std::cerr << "StartJourneys broke off (" << Describe(s) << "): starting the " << rows.size()
              << " unanswered rows again\n";
    absl::SleepFor(absl::Milliseconds(500));
  }
}

// Sends each paying customer's payment at its moment, on its own thread. A payment that does
// not go through is sent again (same event id: the orchestrator applies it once) until
// `retry_for` has passed.
class PaymentSender {
 public:
  PaymentSender(Stub& stub, const std::vector<DemoCustomer>& customers, absl::Time start,
                std::string run_id, absl::Duration retry_for)
      : stub_(stub), run_id_(std::move(run_id)), retry_for_(retry_for) {
    for (const DemoCustomer& c : customers) {
      if (c.pays) due_.emplace_back(start + c.pays_after, c.customer_id);
    }
    std::sort(due_.begin(), due_.end());
    thread_ = std::thread([this] { Run(); });
  }
  ~PaymentSender() {
    stop_.Notify();
    thread_.join();
  }
  bool Done() const { return done_.HasBeenNotified(); }
  std::map<std::string, Payment> Results() {
    absl::MutexLock lock(&mu_);
    return results_;
  }
  std::vector<std::string> NotSent() {
    absl::MutexLock lock(&mu_);
    return not_sent_;
  }

 private:
  grpc::Status SendOnce(const std::string& customer, v1::SendCustomerEventResponse& resp) {
    v1::SendCustomerEventRequest req;
    req.mutable_event()->set_event_id(PaymentEventId(customer, run_id_));
    req.mutable_event()->set_customer_id(customer);
    req.mutable_event()->set_type("payment.received");
    (*req.mutable_event()->mutable_attributes()->mutable_fields())["paymentStatus"]
        .set_string_value("PAID");
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_.SendCustomerEvent(&ctx, req, &resp);
  }

  void Run() {
    for (const auto& [at, customer] : due_) {
      if (stop_.WaitForNotificationWithDeadline(at)) return;
      absl::Time give_up = absl::Now() + retry_for_;
      while (true) {
        v1::SendCustomerEventResponse resp;
        grpc::Status s = SendOnce(customer, resp);
        if (s.ok()) {
          absl::MutexLock lock(&mu_);
          results_[customer] = Payment{absl::Now(), resp.journeys_matched()};
          break;
        }
        if (absl::Now() >= give_up) {
          std::cerr << "payment of " << customer << " not sent: " << Describe(s) << "\n";
          absl::MutexLock lock(&mu_);
          not_sent_.push_back(customer);
          break;
        }
        if (stop_.WaitForNotificationWithTimeout(absl::Milliseconds(500))) return;
      }
    }
    done_.Notify();
  }

  Stub& stub_;
  const std::string run_id_;
  absl::Duration retry_for_;
  std::vector<std::pair<absl::Time, std::string>> due_;
  absl::Notification stop_, done_;
  absl::Mutex mu_;
  std::map<std::string, Payment> results_;
  std::vector<std::string> not_sent_;
  std::thread thread_;
};

absl::StatusOr<v1::Journey> GetJourney(Stub& stub, const std::string& id) {
  v1::GetJourneyRequest req;
  req.set_journey_id(id);
  v1::Journey j;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status s = stub.GetJourney(&ctx, req, &j);
  if (!s.ok()) return absl::UnavailableError("GetJourney: " + Describe(s));
  return j;
}

JourneyRecord ToRecord(const v1::Journey& j) {
  JourneyRecord r;
  r.journey_id = j.journey_id();
  r.customer_id = j.customer_id();
  r.status = v1::JourneyStatus_Name(j.status());
  if (r.status.rfind("JOURNEY_STATUS_", 0) == 0) r.status = r.status.substr(15);
  for (const v1::HistoryEntry& h : j.history()) {
    if (h.kind() == "StateEntered") r.states_entered.push_back(h.state_name());
  }
  // state.runs.<id>.waiting == "task": the journey waits for a touch's outcome.
  auto runs = j.state().fields().find("runs");
  if (r.status == "RUNNING" && runs != j.state().fields().end()) {
    for (const auto& [id, run] : runs->second.struct_value().fields()) {
      auto waiting = run.struct_value().fields().find("waiting");
      if (waiting != run.struct_value().fields().end() &&
          waiting->second.string_value() == "task") {
        r.waiting_on_touch = true;
      }
    }
  }
  return r;
}

std::string DescribePopulation(const std::vector<DemoCustomer>& customers) {
  int dnc = 0, stop = 0, pays = 0, voice_fans = 0, sms_fans = 0;
  std::map<std::string, int> outcomes;
  std::set<std::string> zones;
  for (const DemoCustomer& c : customers) {
    dnc += c.on_dnc;
    stop += c.replies_stop;
    pays += c.pays;
    voice_fans += c.past == PastResponder::kVoice;
    sms_fans += c.past == PastResponder::kSms;
    zones.insert(c.time_zone);
    ++outcomes[std::string(CallOutcomeName(c.call_outcome))];
  }
  std::string out = absl::StrCat(customers.size(), " customers in ", zones.size(),
                                 " time zones: ", dnc, " on the DNC list, ", stop, " reply STOP, ",
                                 pays, " will pay; history: ", voice_fans, " answer calls, ",
                                 sms_fans, " reply to texts; calls:");
  for (const auto& [name, n] : outcomes) absl::StrAppend(&out, " ", name, " ", n);
  return out;
}

// Polls the unfinished journeys; true when none is left that could still move during the
// run (all finished, or waiting for a touch the calling window holds until local morning).
bool Settled(Stub& stub, std::map<std::string, const DemoCustomer*>& open,
             const std::map<std::string, policy::DailyWindow>& windows) {
  size_t held = 0;
  for (auto it = open.begin(); it != open.end();) {
    auto j = GetJourney(stub, it->first);
    if (j.ok() && j->status() != v1::JOURNEY_STATUS_RUNNING) {
      it = open.erase(it);
      continue;
    }
    if (j.ok() && ToRecord(*j).waiting_on_touch &&
        CallingWindowClosed(windows, *it->second, absl::Now()))
      ++held;
    ++it;
  }
  return open.size() == held;
}

absl::StatusOr<Summary> Summarize(Stub& stub, const DemoOptions& o, SummaryInputs in) {
  for (const auto& [customer, id] : in.journey_of_customer) {
    auto j = GetJourney(stub, id);
    if (!j.ok()) return j.status();
    in.journeys.push_back(ToRecord(*j));
  }
  SimAdmin sim(o.sim_url);
  auto audit = sim.Audit();
  if (!audit.ok()) return audit.status();
  in.audit = std::move(*audit);
  auto opt_outs = sim.OptOutEvents();
  if (!opt_outs.ok()) return opt_outs.status();
  in.opt_outs = std::move(*opt_outs);
  auto calls = sim.Calls();
  if (!calls.ok()) return calls.status();
  in.calls = std::move(*calls);
  if (o.pg_url.empty()) {
    // Without the database the instants are the demo's own (payment acknowledged, STOP sent)
    // and no touch outcome is known: every call dialled before a payment counts as in progress.
    Say("no --pg-url: payments and opt-outs judged at the demo's acknowledgement, not Blend's "
        "commit");
  } else {
    auto db = ReadEventTimes(o.pg_url, in.run_id, in.run_start);
    if (!db.ok()) return db.status();
    in.db = std::move(*db);
  }
  in.dial_check = o.dial_check;
  return ComputeSummary(in);
}

}  // namespace

PopulationOptions DemoPopulation(const DemoOptions& o, const DemoCampaign& campaign) {
  PopulationOptions population = o.population;
  population.pay_window = absl::Seconds(2 * campaign.longest_wait_seconds + 10);
  return population;
}

int RunDemo(const DemoOptions& o) {
  if (o.chaos_report) return RunChaosReport(o);
  auto campaign = LoadCampaignFile(o.campaign_file, o.time_scale);
  if (!campaign.ok()) return Fail(std::string(campaign.status().message()));
  SummaryInputs in;
  in.customers = GeneratePopulation(DemoPopulation(o, *campaign));
  in.windows = CallingWindows(campaign->policies_json);
  Say(DescribePopulation(in.customers));

  auto channel = grpc::CreateChannel(o.orchestrator_addr, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    return Fail("cannot reach the orchestrator at " + o.orchestrator_addr);
  }
  auto stub = v1::JourneyService::NewStub(channel);
  if (absl::Status s = SeedDncList(o, in.customers); !s.ok()) return Fail(std::string(s.message()));
  if (absl::Status s = ImportHistory(channel, in.customers); !s.ok())
    return Fail(std::string(s.message()));
  auto version = PutCampaign(*stub, *campaign);
  if (!version.ok()) return Fail(std::string(version.status().message()));
  Say(absl::StrCat("campaign ", campaign->campaign_id, " v", *version,
                   " registered (a day's wait lasts ", campaign->longest_wait_seconds, " s)"));

  absl::Time start = absl::Now();
  std::string run_id = absl::FormatTime("%Y%m%dT%H%M%S", start, absl::UTCTimeZone());
  in.run_id = run_id;
  in.run_start = start;
  std::vector<std::string> not_started;
  if (absl::Status s = StartAll(*stub, campaign->campaign_id, in.customers, run_id, o.retry_for,
                                in.journey_of_customer, in.rejected, not_started);
      !s.ok()) {
    if (o.run_state.empty()) return Fail(std::string(s.message()));
    std::cerr << s.message() << " (" << not_started.size() << " customers not started)\n";
  }
  Say(absl::StrCat("started ", in.journey_of_customer.size(), " journeys in ",
                   absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(1))),
                   " (rejected ", in.rejected, ")"));

  std::map<std::string, const DemoCustomer*> open;
  for (const DemoCustomer& c : in.customers) {
    if (auto it = in.journey_of_customer.find(c.customer_id); it != in.journey_of_customer.end())
      open[it->second] = &c;
  }
  PaymentSender payments(*stub, in.customers, start, run_id, o.retry_for);
  Progress progress(o.metrics_urls, o.sim_url, o.quota_rpm);
  absl::Time next_line = start, next_poll = start + absl::Seconds(3);
  while (true) {
    absl::Time now = absl::Now();
    if (now - start > o.timeout) {
      Say(absl::StrCat("stopping: the run took longer than ", absl::FormatDuration(o.timeout)));
      break;
    }
    if (now >= next_line) {
      Say(progress.Line(now - start));
      next_line += o.progress_interval;
    }
    if (now >= next_poll) {
      if (payments.Done() && Settled(*stub, open, in.windows)) break;
      next_poll = absl::Now() + absl::Seconds(2);
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  Say(progress.Line(absl::Now() - start));
  in.payments = payments.Results();
  if (!o.run_state.empty()) {
    // The chaos report checks later, after the faults stopped and the system drained.
    RunState state{start,       in.journey_of_customer, in.rejected, not_started,
                   in.payments, payments.NotSent()};
    if (absl::Status s = WriteRunState(o.run_state, state); !s.ok())
      return Fail(std::string(s.message()));
    Say("run state written to " + o.run_state);
    return 0;
  }
  in.end = absl::Now();
  in.elapsed_seconds = absl::ToDoubleSeconds(in.end - start);
  auto summary = Summarize(*stub, o, std::move(in));
  if (!summary.ok()) return Fail(std::string(summary.status().message()));
  Say("\n== summary ==\n" + summary->ToText());
  if (!o.summary_json.empty()) {
    nlohmann::json j = summary->ToJson();
    j["customers"] = o.population.customers;
    j["seed"] = o.population.seed;
    std::ofstream(o.summary_json) << j.dump(2) << "\n";
    Say("summary written to " + o.summary_json);
  }
  return summary->Clean() ? 0 : 1;
}

}  // namespace blend::demo

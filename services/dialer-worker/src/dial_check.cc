// POST /v1/dial-check: the Web Services Data Action a Genesys pre-call rule evaluates before each
// dial. Answers from TouchService.CheckTouch; see blend/dialer_worker/dial_check.h.

#include "blend/dialer_worker/dial_check.h"

#include <grpcpp/grpcpp.h>
#include <openssl/crypto.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "blend/telemetry/log.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace blend::dialer_worker {
namespace {

using nlohmann::json;

bool SameBytes(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

DialCheckReply Error(int status, const std::string& message) {
  return {status, json{{"error", message}}.dump()};
}

}  // namespace

GrpcTouchChecker::GrpcTouchChecker(const std::string& target, Secret service_token)
    : GrpcTouchChecker(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()),
                       std::move(service_token)) {}

GrpcTouchChecker::GrpcTouchChecker(std::shared_ptr<grpc::Channel> channel, Secret service_token)
    : stub_(v1::TouchService::NewStub(std::move(channel))), token_(std::move(service_token)) {}

absl::StatusOr<v1::CheckTouchResponse> GrpcTouchChecker::Check(const std::string& touch_id,
                                                               absl::Duration deadline) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_.Reveal());
  v1::CheckTouchRequest request;
  request.set_touch_id(touch_id);
  v1::CheckTouchResponse response;
  grpc::Status status = stub_->CheckTouch(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        "CheckTouch: " + status.error_message());
  }
  return response;
}

struct DialCheckHandler::Metrics {
  prometheus::Family<prometheus::Counter>* checks;
  prometheus::Histogram* seconds;
};

DialCheckHandler::DialCheckHandler(TouchChecker& checker, const Clock& clock,
                                   DialCheckOptions options, prometheus::Registry* registry)
    : checker_(checker), clock_(clock), options_(std::move(options)) {
  if (registry == nullptr) return;
  metrics_ = std::make_unique<Metrics>(Metrics{
      &prometheus::BuildCounter()
           .Name("blend_dial_checks_total")
           .Help("Dial-time checks (Genesys pre-call rule) by result: allowed, refused, error")
           .Register(*registry),
      &prometheus::BuildHistogram()
           .Name("blend_dial_check_seconds")
           .Help("Time to answer a dial-time check, authentication to response")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5, 1, 2.5, 5})});
  // The dashboard shows every result from the first scrape: zero is an answer, no data is not.
  for (const char* result : {"allowed", "refused", "error"})
    metrics_->checks->Add({{"result", result}});
}

DialCheckHandler::~DialCheckHandler() = default;

bool DialCheckHandler::Authorized(const std::string& authorization) const {
  if (open()) return true;
  const std::string expected = absl::StrCat(
      "Basic ", absl::Base64Escape(absl::StrCat(options_.user, ":", options_.password.Reveal())));
  return SameBytes(authorization, expected);
}

DialCheckReply DialCheckHandler::Done(const std::string& result, absl::Time started,
                                      DialCheckReply reply) {
  if (metrics_) {
    metrics_->checks->Add({{"result", result}}).Increment();
    metrics_->seconds->Observe(absl::ToDoubleSeconds(clock_.Now() - started));
  }
  return reply;
}

DialCheckReply DialCheckHandler::Handle(const std::string& body, const std::string& authorization) {
  const absl::Time started = clock_.Now();
  // Not counted as a check: a caller without the credential learnt nothing.
  if (!Authorized(authorization)) return Error(401, "unauthorized");
  json request = json::parse(body, nullptr, false);
  std::string touch_id;
  if (request.is_object()) {
    auto it = request.find(options_.touch_id_field);
    if (it != request.end() && it->is_string()) touch_id = it->get<std::string>();
  }
  if (touch_id.empty()) {
    return Done("error", started,
                Error(400, absl::StrCat("need a JSON object with the string field \"",
                                        options_.touch_id_field, "\"")));
  }
  absl::StatusOr<v1::CheckTouchResponse> check = checker_.Check(touch_id, options_.check_timeout);
  if (!check.ok()) {
    BLEND_LOG(kWarn, "dial check failed; the pre-call rule's error setting decides",
              {{"touch_id", touch_id}, {"error", std::string(check.status().message())}});
    const int status = check.status().code() == absl::StatusCode::kDeadlineExceeded ? 504 : 503;
    return Done("error", started, Error(status, std::string(check.status().message())));
  }
  json answer = {{"skip", !check->allowed()}, {"reason", check->reason()}};
  if (!check->allowed()) {
    BLEND_LOG(kInfo, "dial check: skip", {{"touch_id", touch_id}, {"reason", check->reason()}});
  }
  return Done(check->allowed() ? "allowed" : "refused", started, {200, answer.dump()});
}

}  // namespace blend::dialer_worker

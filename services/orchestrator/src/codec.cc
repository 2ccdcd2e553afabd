#include "blend/orchestrator/codec.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "blend/genesys/contact_id.h"
#include "blend/orchestrator/auth.h"

namespace blend::orchestrator {

using nlohmann::json;

json ValueToJson(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNullValue:
      return nullptr;
    case google::protobuf::Value::kNumberValue: {
      double d = v.number_value();
      // Integral values stay integers so ASL comparisons and ids keep their form.
      if (d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 9.0e15) {
        return static_cast<int64_t>(d);
      }
      return d;
    }
    case google::protobuf::Value::kStringValue:
      return v.string_value();
    case google::protobuf::Value::kBoolValue:
      return v.bool_value();
    case google::protobuf::Value::kStructValue:
      return StructToJson(v.struct_value());
    case google::protobuf::Value::kListValue: {
      json arr = json::array();
      for (const auto& e : v.list_value().values()) arr.push_back(ValueToJson(e));
      return arr;
    }
    default:
      return nullptr;
  }
}

json StructToJson(const google::protobuf::Struct& s) {
  json obj = json::object();
  for (const auto& [k, v] : s.fields()) obj[k] = ValueToJson(v);
  return obj;
}

google::protobuf::Value JsonToValue(const json& j) {
  google::protobuf::Value v;
  if (j.is_null()) {
    v.set_null_value(google::protobuf::NULL_VALUE);
  } else if (j.is_boolean()) {
    v.set_bool_value(j.get<bool>());
  } else if (j.is_number()) {
    v.set_number_value(j.get<double>());
  } else if (j.is_string()) {
    v.set_string_value(j.get<std::string>());
  } else if (j.is_array()) {
    auto* list = v.mutable_list_value();
    for (const auto& e : j) *list->add_values() = JsonToValue(e);
  } else if (j.is_object()) {
    *v.mutable_struct_value() = JsonToStruct(j);
  }
  return v;
}

google::protobuf::Struct JsonToStruct(const json& j) {
  google::protobuf::Struct s;
  if (!j.is_object()) {
    if (!j.is_null()) (*s.mutable_fields())["value"] = JsonToValue(j);
    return s;
  }
  for (const auto& [k, v] : j.items()) (*s.mutable_fields())[k] = JsonToValue(v);
  return s;
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t us = absl::ToUnixMicros(t);
  int64_t secs = us >= 0 ? us / 1'000'000 : -((-us + 999'999) / 1'000'000);
  ts.set_seconds(secs);
  ts.set_nanos(static_cast<int32_t>((us - secs * 1'000'000) * 1000));
  return ts;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

blend::v1::Channel ToProto(Channel c) {
  switch (c) {
    case Channel::kSms:
      return blend::v1::CHANNEL_SMS;
    case Channel::kVoice:
      return blend::v1::CHANNEL_VOICE;
    case Channel::kEmail:
      return blend::v1::CHANNEL_EMAIL;
  }
  return blend::v1::CHANNEL_UNSPECIFIED;
}

std::optional<Channel> FromProto(blend::v1::Channel c) {
  switch (c) {
    case blend::v1::CHANNEL_SMS:
      return Channel::kSms;
    case blend::v1::CHANNEL_VOICE:
      return Channel::kVoice;
    case blend::v1::CHANNEL_EMAIL:
      return Channel::kEmail;
    default:
      return std::nullopt;
  }
}

blend::v1::JourneyStatus ToProto(journey::JourneyStatus s) {
  switch (s) {
    case journey::JourneyStatus::kNotStarted:
    case journey::JourneyStatus::kRunning:
      return blend::v1::JOURNEY_STATUS_RUNNING;
    case journey::JourneyStatus::kSucceeded:
      return blend::v1::JOURNEY_STATUS_SUCCEEDED;
    case journey::JourneyStatus::kFailed:
      return blend::v1::JOURNEY_STATUS_FAILED;
    case journey::JourneyStatus::kCancelled:
      return blend::v1::JOURNEY_STATUS_CANCELLED;
    case journey::JourneyStatus::kTimedOut:
      return blend::v1::JOURNEY_STATUS_TIMED_OUT;
  }
  return blend::v1::JOURNEY_STATUS_UNSPECIFIED;
}

std::optional<journey::JourneyStatus> FromProto(blend::v1::JourneyStatus s) {
  switch (s) {
    case blend::v1::JOURNEY_STATUS_RUNNING:
      return journey::JourneyStatus::kRunning;
    case blend::v1::JOURNEY_STATUS_SUCCEEDED:
      return journey::JourneyStatus::kSucceeded;
    case blend::v1::JOURNEY_STATUS_FAILED:
      return journey::JourneyStatus::kFailed;
    case blend::v1::JOURNEY_STATUS_CANCELLED:
      return journey::JourneyStatus::kCancelled;
    case blend::v1::JOURNEY_STATUS_TIMED_OUT:
      return journey::JourneyStatus::kTimedOut;
    default:
      return std::nullopt;
  }
}

std::string CustomerToJson(const blend::v1::Customer& c) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(c, &out, opts);
  return out;
}

absl::StatusOr<blend::v1::Customer> CustomerFromJson(const std::string& text) {
  blend::v1::Customer c;
  auto st = google::protobuf::util::JsonStringToMessage(text, &c);
  if (!st.ok()) return absl::InternalError(absl::StrCat("stored customer: ", st.ToString()));
  return c;
}

journey::CustomerInfo ToCustomerInfo(const blend::v1::Customer& c) {
  return journey::CustomerInfo{c.customer_id(), c.phone_e164(), c.email(), c.time_zone(),
                               c.postal_time_zone()};
}

std::string StartInputHash(const blend::v1::Customer& customer,
                           const google::protobuf::Struct& input, int32_t campaign_version) {
  json canon = {{"customer",
                 {{"id", customer.customer_id()},
                  {"phone", customer.phone_e164()},
                  {"email", customer.email()},
                  {"tz", customer.time_zone()},
                  {"postal_tz", customer.postal_time_zone()},
                  {"attributes", StructToJson(customer.attributes())}}},
                {"input", StructToJson(input)},
                {"campaign_version", campaign_version}};
  return Sha256Hex(canon.dump());  // nlohmann::json sorts object keys: canonical
}

blend::v1::TouchCommand MakeTouchCommand(const journey::EmitTouch& touch,
                                         const std::string& journey_id,
                                         const std::string& campaign_id, int32_t campaign_version,
                                         const blend::v1::Customer& customer,
                                         const journey::GenesysIds& genesys, int32_t attempt) {
  blend::v1::TouchCommand cmd;
  cmd.set_touch_id(touch.touch_id);
  cmd.set_journey_id(journey_id);
  cmd.set_campaign_id(campaign_id);
  cmd.set_campaign_version(campaign_version);
  cmd.set_channel(ToProto(touch.channel));
  *cmd.mutable_customer() = customer;
  *cmd.mutable_parameters() = JsonToStruct(touch.parameters);
  auto* g = cmd.mutable_genesys();
  g->set_contact_list_id(genesys.contact_list_id);
  g->set_dnc_list_id(genesys.dnc_list_id);
  g->set_sms_from_number(genesys.sms_from_number);
  g->set_email_from_address(genesys.email_from_address);
  g->set_oauth_client(genesys.oauth_client);
  *cmd.mutable_not_before() = ToProto(touch.not_before);
  cmd.set_attempt(attempt);
  return cmd;
}

namespace {

// The header every envelope the orchestrator writes carries (schema version 1).
blend::v1::Envelope NewEnvelope(std::string message_id, google::protobuf::Timestamp produced_at,
                                const std::string& journey_id) {
  blend::v1::Envelope env;
  env.set_message_id(std::move(message_id));
  env.set_schema_version(1);
  *env.mutable_produced_at() = std::move(produced_at);
  env.set_trace_id(journey_id);
  return env;
}

}  // namespace

blend::v1::TouchCommand BusTouchCommand(const blend::v1::TouchCommand& stored) {
  blend::v1::TouchCommand bus = stored;
  bus.clear_customer();
  bus.clear_parameters();
  bus.clear_genesys();
  return bus;
}

std::string TouchEnvelopeBytes(const blend::v1::TouchCommand& cmd, absl::Time now) {
  blend::v1::Envelope env =
      NewEnvelope(absl::StrCat(cmd.touch_id(), ":", cmd.attempt()), ToProto(now), cmd.journey_id());
  *env.mutable_touch() = BusTouchCommand(cmd);
  return env.SerializeAsString();
}

namespace {

// Collects the paths of differing fields, without their values.
class FieldPathReporter : public google::protobuf::util::MessageDifferencer::Reporter {
 public:
  using Path = std::vector<google::protobuf::util::MessageDifferencer::SpecificField>;
  explicit FieldPathReporter(std::vector<std::string>& out) : out_(out) {}
  void ReportAdded(const google::protobuf::Message&, const google::protobuf::Message&,
                   const Path& path) override {
    Add(path);
  }
  void ReportDeleted(const google::protobuf::Message&, const google::protobuf::Message&,
                     const Path& path) override {
    Add(path);
  }
  void ReportModified(const google::protobuf::Message&, const google::protobuf::Message&,
                      const Path& path) override {
    Add(path);
  }

 private:
  void Add(const Path& path) {
    std::string name;
    for (const auto& f : path) {
      if (!name.empty()) name += ".";
      name += f.field != nullptr ? f.field->name() : "?";
    }
    if (std::find(out_.begin(), out_.end(), name) == out_.end()) out_.push_back(name);
  }
  std::vector<std::string>& out_;
};

}  // namespace

std::vector<std::string> TouchFieldsDiffering(const blend::v1::TouchCommand& bus_copy,
                                              const blend::v1::TouchCommand& stored) {
  blend::v1::TouchCommand a = bus_copy;
  blend::v1::TouchCommand b = stored;
  for (blend::v1::TouchCommand* m : {&a, &b}) {
    m->clear_attempt();
    m->clear_not_before();
  }
  std::vector<std::string> out;
  google::protobuf::util::MessageDifferencer diff;
  // Only what the message sets is compared: the bus form (BusTouchCommand) leaves the
  // customer, parameters and Genesys ids out, and an older message carried them all.
  diff.set_scope(google::protobuf::util::MessageDifferencer::PARTIAL);
  FieldPathReporter reporter(out);
  diff.ReportDifferencesTo(&reporter);
  diff.Compare(a, b);
  return out;
}

std::optional<std::string> UnpublishedTouchDispositionBytes(std::string_view envelope_bytes,
                                                            const std::string& reason,
                                                            absl::Time now) {
  blend::v1::Envelope in;
  if (!in.ParseFromArray(envelope_bytes.data(), static_cast<int>(envelope_bytes.size())) ||
      !in.has_touch() || in.touch().touch_id().empty()) {
    return std::nullopt;
  }
  const blend::v1::TouchCommand& cmd = in.touch();
  blend::v1::Envelope out =
      NewEnvelope(absl::StrCat(cmd.touch_id(), ":", cmd.attempt(), ":unpublished"), ToProto(now),
                  cmd.journey_id());
  blend::v1::Disposition& d = *out.mutable_disposition();
  d.set_touch_id(cmd.touch_id());
  d.set_journey_id(cmd.journey_id());
  d.set_channel(cmd.channel());
  d.set_outcome(blend::v1::TOUCH_OUTCOME_FAILED);
  d.set_reason(absl::StrCat("Blend could not publish the touch to Kafka: ", reason));
  *d.mutable_occurred_at() = ToProto(now);
  return out.SerializeAsString();
}

blend::v1::WithdrawTouch MakeWithdrawTouch(const blend::v1::TouchCommand& cmd,
                                           const std::string& stored_contact_id,
                                           const std::string& reason, absl::Time now) {
  blend::v1::WithdrawTouch w;
  w.set_touch_id(cmd.touch_id());
  w.set_journey_id(cmd.journey_id());
  w.set_channel(blend::v1::CHANNEL_VOICE);
  w.set_contact_list_id(cmd.genesys().contact_list_id());
  w.set_contact_id(stored_contact_id.empty() ? genesys::ContactIdForTouch(cmd.touch_id())
                                             : stored_contact_id);
  w.set_reason(reason);
  *w.mutable_requested_at() = ToProto(now);
  return w;
}

std::string WithdrawEnvelopeBytes(const blend::v1::WithdrawTouch& withdraw) {
  blend::v1::Envelope env = NewEnvelope(absl::StrCat(withdraw.touch_id(), ":withdraw"),
                                        withdraw.requested_at(), withdraw.journey_id());
  *env.mutable_withdraw() = withdraw;
  return env.SerializeAsString();
}

namespace {

// What a disposition tells about a touch that went (or may have gone) out.
json DispositionResult(const blend::v1::Disposition& d, const std::string& outcome) {
  json providers = json::object();
  for (const auto& [k, v] : d.provider_ids()) providers[k] = v;
  return {{"outcome", outcome},
          {"reason", d.reason()},
          {"wrapupCode", d.call().wrapup_code()},
          {"callAnalysisDisposition", d.call().call_analysis_disposition()},
          {"answered", d.call().answered()},
          {"conversationId", d.call().conversation_id()},
          {"providerIds", providers}};
}

}  // namespace

journey::TaskResultTrigger DispositionTrigger(const blend::v1::Disposition& d) {
  journey::TaskResultTrigger t;
  t.touch_id = d.touch_id();
  std::string outcome = blend::v1::TouchOutcome_Name(d.outcome());
  constexpr std::string_view kPrefix = "TOUCH_OUTCOME_";
  if (outcome.rfind(kPrefix, 0) == 0) outcome = outcome.substr(kPrefix.size());
  switch (d.outcome()) {
    case blend::v1::TOUCH_OUTCOME_SENT:
    case blend::v1::TOUCH_OUTCOME_CALL_COMPLETED:
      t.ok = true;
      t.result = DispositionResult(d, outcome);
      return t;
    case blend::v1::TOUCH_OUTCOME_OPTED_OUT:
      t.error = "Blend.OptedOut";
      break;
    case blend::v1::TOUCH_OUTCOME_DNC_ACTIVE:
      t.error = "Blend.DncActive";
      break;
    case blend::v1::TOUCH_OUTCOME_SKIPPED:
      t.error = "Blend.TouchSkipped";
      break;
    // The dialer took the queued contact back out (the orchestrator asked: journey ended,
    // opt-out, DNC): the touch never reached the customer.
    case blend::v1::TOUCH_OUTCOME_WITHDRAWN:
      t.error = "Blend.TouchWithdrawn";
      break;
    case blend::v1::TOUCH_OUTCOME_UNKNOWN:
      // In doubt: the campaign's onUnknown policy (in the interpreter) decides whether the
      // journey goes on as if sent, with this result, or fails with Blend.TouchInDoubt.
      t.in_doubt = true;
      t.error = journey::kTouchInDoubtError;
      t.result = DispositionResult(d, outcome);
      break;
    default:
      t.error = "Blend.TouchFailed";
      break;
  }
  t.ok = false;
  t.cause = d.reason().empty() ? d.error().message() : d.reason();
  return t;
}

}  // namespace blend::orchestrator

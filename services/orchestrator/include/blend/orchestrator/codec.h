#pragma once

// Conversions between the wire types (blend.v1 protos), the interpreter's JSON values and the
// rows of pg_store.h. Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/journey/interpreter.h"
#include "blend/v1/bus.pb.h"
#include "blend/v1/common.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace blend::orchestrator {

nlohmann::json StructToJson(const google::protobuf::Struct& s);
nlohmann::json ValueToJson(const google::protobuf::Value& v);
// Objects only; other JSON values are wrapped as {"value": v}.
google::protobuf::Struct JsonToStruct(const nlohmann::json& j);
google::protobuf::Value JsonToValue(const nlohmann::json& j);

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& ts);

blend::v1::Channel ToProto(Channel c);
// CHANNEL_UNSPECIFIED -> nullopt.
std::optional<Channel> FromProto(blend::v1::Channel c);
blend::v1::JourneyStatus ToProto(journey::JourneyStatus s);
// JOURNEY_STATUS_UNSPECIFIED (and a number this build does not know) -> nullopt.
std::optional<journey::JourneyStatus> FromProto(blend::v1::JourneyStatus s);

// The Customer as stored in journeys.customer (proto JSON) and back.
std::string CustomerToJson(const blend::v1::Customer& c);
absl::StatusOr<blend::v1::Customer> CustomerFromJson(const std::string& json);
journey::CustomerInfo ToCustomerInfo(const blend::v1::Customer& c);

// Lower-case hex SHA-256 over a canonical rendering of what makes a start request unique
// (customer + input + requested campaign version): equal requests hash equal.
std::string StartInputHash(const blend::v1::Customer& customer,
                           const google::protobuf::Struct& input, int32_t campaign_version);

// The touch command for an EmitTouch effect.
blend::v1::TouchCommand MakeTouchCommand(const journey::EmitTouch& touch,
                                         const std::string& journey_id,
                                         const std::string& campaign_id, int32_t campaign_version,
                                         const blend::v1::Customer& customer,
                                         const journey::GenesysIds& genesys, int32_t attempt);
// What the bus carries of a stored touch: its name (touch id, journey, campaign id and
// version, channel, attempt, not_before) and nothing personal. No customer, parameters or
// Genesys ids: the worker gets those from ClaimTouch, so a forged message cannot choose them.
blend::v1::TouchCommand BusTouchCommand(const blend::v1::TouchCommand& stored);
// Wraps BusTouchCommand(cmd) in an Envelope (message id "<touch_id>:<attempt>": a
// re-publication of the same attempt carries the same id) and serialises it.
std::string TouchEnvelopeBytes(const blend::v1::TouchCommand& cmd, absl::Time now);
// The fields (paths such as "customer.phone_e164") that `bus_copy` sets with a value other
// than the stored touch's. attempt and not_before are not compared: a deferral re-emits the
// touch with new ones, and an older message may still be on its way. Values are not named
// (they may be personal data). Empty: the message matches the stored touch.
std::vector<std::string> TouchFieldsDiffering(const blend::v1::TouchCommand& bus_copy,
                                              const blend::v1::TouchCommand& stored);

// The FAILED disposition of a touch whose command the outbox relay gave up publishing, as an
// Envelope (message id "<touch_id>:<attempt>:unpublished"); nullopt when `envelope_bytes` is
// not a touch command's envelope.
std::optional<std::string> UnpublishedTouchDispositionBytes(std::string_view envelope_bytes,
                                                            const std::string& reason,
                                                            absl::Time now);

// The withdrawal of a voice touch's contact from the dialer: the contact list from the touch's
// command (its GenesysIds), the contact id as stored on the touch row or, for a row from before
// migration 0016 (none stored), genesys::ContactIdForTouch(touch_id), the id the dialer
// inserted with.
blend::v1::WithdrawTouch MakeWithdrawTouch(const blend::v1::TouchCommand& cmd,
                                           const std::string& stored_contact_id,
                                           const std::string& reason, absl::Time now);
// Wraps it in an Envelope (message id "<touch_id>:withdraw": one withdrawal per touch, so a
// re-publication carries the same id) and serialises it.
std::string WithdrawEnvelopeBytes(const blend::v1::WithdrawTouch& withdraw);

// The interpreter trigger for a disposition: SENT / CALL_COMPLETED succeed with a result
// {outcome, reason, wrapupCode, callAnalysisDisposition, answered, conversationId,
// providerIds}; UNKNOWN is in doubt (`in_doubt`, the same result, error Blend.TouchInDoubt:
// the campaign's onUnknown policy decides); the others fail with Blend.OptedOut,
// Blend.DncActive, Blend.TouchSkipped, Blend.TouchWithdrawn (the dialer took the queued contact
// back out, see MakeWithdrawTouch) or Blend.TouchFailed (FAILED and any value this build does
// not know).
journey::TaskResultTrigger DispositionTrigger(const blend::v1::Disposition& d);

}  // namespace blend::orchestrator

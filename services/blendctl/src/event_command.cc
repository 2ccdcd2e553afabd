// `blendctl event send`: one customer event through SendCustomerEvent (exit events such as a
// payment end the customer's running journeys at once).

#include <google/protobuf/util/time_util.h>

#include <memory>

#include "blend/blendctl/exit_codes.h"
#include "blend/blendctl/online_commands.h"
#include "blend/common/ids.h"
#include "output.h"

namespace blend::blendctl {
namespace {

struct EventOptions {
  std::string customer_id;
  std::string type;
  std::string data_json = "{}";
  std::string event_id;  // empty: a fresh UUID
};

int RunSend(const EventOptions& o, GrpcConnection& conn, OnlineContext& ctx) {
  auto data = ParseJsonObject(o.data_json);
  if (!data.ok())
    return ReportError(ctx, kExitInvalid, "--data: " + std::string(data.status().message()));
  blend::v1::SendCustomerEventRequest req;
  blend::v1::CustomerEvent& ev = *req.mutable_event();
  ev.set_event_id(o.event_id.empty() ? NewUuid() : o.event_id);
  ev.set_customer_id(o.customer_id);
  ev.set_type(o.type);
  *ev.mutable_attributes() = *std::move(data);
  *ev.mutable_occurred_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  blend::v1::SendCustomerEventResponse resp;
  grpc::Status s = conn.journeys().SendCustomerEvent(conn.NewContext().get(), req, &resp);
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    nlohmann::json doc = ProtoToJson(resp);
    doc["eventId"] = ev.event_id();
    PrintJson(ctx, doc);
  } else if (resp.duplicate()) {
    *ctx.out << "event " << ev.event_id() << " was already applied; nothing changed\n";
  } else {
    *ctx.out << "event " << ev.event_id() << " applied to " << resp.journeys_matched()
             << " running journey(s)\n";
  }
  return kExitOk;
}

}  // namespace

void AddEventCommands(CLI::App& app, OnlineContext& context) {
  CLI::App* event = app.add_subcommand("event", "Send customer events");
  event->require_subcommand(1);
  auto o = std::make_shared<EventOptions>();
  CLI::App* send = event->add_subcommand(
      "send", "Send one customer event to every running journey of the customer");
  send->add_option("--customer-id", o->customer_id, "CRM customer id")->required();
  send->add_option("--type", o->type, "event type, e.g. payment (see the campaign's exitEvents)")
      ->required();
  send->add_option("--data", o->data_json, "event attributes, a JSON object")
      ->capture_default_str();
  send->add_option("--event-id", o->event_id,
                   "idempotency key of the event (default: a fresh UUID); a repeated id is "
                   "applied once");
  send->callback([o, &context] {
    context.action = [o](GrpcConnection& c, OnlineContext& x) { return RunSend(*o, c, x); };
  });
}

}  // namespace blend::blendctl

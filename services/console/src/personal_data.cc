#include "blend/console/personal_data.h"

#include <vector>

#include "blend/telemetry/log.h"

namespace blend::console {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void MaskField(Message& message, const FieldDescriptor* field);

void MaskMapEntries(Message& message, const FieldDescriptor* field) {
  // Keys stay as they are (they identify entries, and rewriting one could merge two); the
  // values are masked.
  const Reflection* r = message.GetReflection();
  for (int i = 0; i < r->FieldSize(message, field); ++i) {
    Message* entry = r->MutableRepeatedMessage(&message, field, i);
    const FieldDescriptor* value = entry->GetDescriptor()->map_value();
    if (entry->GetReflection()->HasField(*entry, value) || !value->has_presence()) {
      MaskField(*entry, value);
    }
  }
}

void MaskField(Message& message, const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  if (field->is_map()) {
    MaskMapEntries(message, field);
  } else if (field->is_repeated()) {
    for (int i = 0; i < r->FieldSize(message, field); ++i) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        r->SetRepeatedString(&message, field, i,
                             log::Redact(r->GetRepeatedString(message, field, i)));
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        MaskPersonalData(*r->MutableRepeatedMessage(&message, field, i));
      }
    }
  } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
             field->type() != FieldDescriptor::TYPE_BYTES) {
    r->SetString(&message, field, log::Redact(r->GetString(message, field)));
  } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    MaskPersonalData(*r->MutableMessage(&message, field));
  }
}

}  // namespace

void MaskPersonalData(Message& message) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) MaskField(message, field);
}

}  // namespace blend::console

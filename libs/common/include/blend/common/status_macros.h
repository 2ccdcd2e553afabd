#pragma once

// Status propagation macros shaped like newer Abseil's, so an upgrade is a rename.
//   BLEND_RETURN_IF_ERROR(DoThing());
//   BLEND_ASSIGN_OR_RETURN(auto value, ComputeValue());

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BLEND_RETURN_IF_ERROR(expr)                         \
  do {                                                      \
    if (absl::Status _blend_st = (expr); !_blend_st.ok()) { \
      return _blend_st;                                     \
    }                                                       \
  } while (0)

#define BLEND_STATUS_CONCAT_INNER_(a, b) a##b
#define BLEND_STATUS_CONCAT_(a, b) BLEND_STATUS_CONCAT_INNER_(a, b)

#define BLEND_ASSIGN_OR_RETURN(lhs, expr) \
  BLEND_ASSIGN_OR_RETURN_IMPL_(BLEND_STATUS_CONCAT_(_blend_statusor_, __LINE__), lhs, expr)

#define BLEND_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) {                                   \
    return std::move(statusor).status();                  \
  }                                                       \
  lhs = std::move(statusor).value()

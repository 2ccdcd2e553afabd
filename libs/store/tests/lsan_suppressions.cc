// LeakSanitizer suppressions for the integration tests, used only in sanitizer builds.
// libpqxx 6.4 leaks one PGresult (about 2 KB) when a connection dies in the middle of a
// transaction (ConnectionLostMidTransactionIsUnavailableThenReplaced): the allocation is
// made and lost inside libpqxx/libpq, with no handle ever reaching Blend's code.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpq.so\n"; }

#include "blend/store/migrations.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blend::store {
namespace testdata {
// Generated from tests/testdata/migrations by blend_embed_migrations (CMakeLists.txt).
absl::Span<const EmbeddedFile> EmbedTestFiles();
}  // namespace testdata

namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ParseMigrationFileNameTest, ParsesVersionAndName) {
  absl::StatusOr<MigrationFileName> parsed = ParseMigrationFileName("0001_init.sql");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->version, 1);
  EXPECT_EQ(parsed->name, "init");

  parsed = ParseMigrationFileName("20261126_add_outbox_2.sql");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->version, 20261126);
  EXPECT_EQ(parsed->name, "add_outbox_2");
}

class BadMigrationFileNameTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadMigrationFileNameTest, IsRejected) {
  absl::StatusOr<MigrationFileName> parsed = ParseMigrationFileName(GetParam());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << GetParam();
  EXPECT_THAT(parsed.status().message(), HasSubstr("NNNN_name.sql"));
}

INSTANTIATE_TEST_SUITE_P(Table, BadMigrationFileNameTest,
                         ::testing::Values("0001_init.SQL", "0001_init", "001_init.sql",
                                           "0001-init.sql", "0001_.sql", "0001_Init.sql",
                                           "0001_in-it.sql", "0000_zero.sql", "abcd_x.sql",
                                           "_init.sql", "99999999999999999999_big.sql",
                                           "README.md"));

TEST(MigrationChecksumTest, IsSha256Hex) {
  // Known SHA-256 test vectors.
  EXPECT_EQ(MigrationChecksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(MigrationChecksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MigrationChecksumTest, ChangesWithAnyByte) {
  EXPECT_NE(MigrationChecksum("CREATE TABLE t (id int);"),
            MigrationChecksum("CREATE TABLE t (id int); "));
}

TEST(ParseMigrationsTest, SortsByVersion) {
  const EmbeddedFile files[] = {{"0010_later.sql", "SELECT 10;"},
                                {"0002_second.sql", "SELECT 2;"},
                                {"0001_first.sql", "SELECT 1;"}};
  absl::StatusOr<std::vector<Migration>> migrations = ParseMigrations(files);
  ASSERT_TRUE(migrations.ok()) << migrations.status();
  ASSERT_EQ(migrations->size(), 3u);
  EXPECT_EQ((*migrations)[0].version, 1);
  EXPECT_EQ((*migrations)[1].version, 2);
  EXPECT_EQ((*migrations)[2].version, 10);
  EXPECT_EQ((*migrations)[2].name, "later");
  EXPECT_EQ((*migrations)[2].sql, "SELECT 10;");
  EXPECT_EQ((*migrations)[2].checksum, MigrationChecksum("SELECT 10;"));
}

TEST(ParseMigrationsTest, RejectsDuplicateVersions) {
  const EmbeddedFile files[] = {{"0002_a.sql", "SELECT 1;"}, {"00002_b.sql", "SELECT 2;"}};
  absl::StatusOr<std::vector<Migration>> migrations = ParseMigrations(files);
  EXPECT_EQ(migrations.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(migrations.status().message(), HasSubstr("share version 2"));
}

TEST(ParseMigrationsTest, RejectsEmptyFileAndBadName) {
  const EmbeddedFile empty[] = {{"0001_a.sql", " \n\t"}};
  EXPECT_EQ(ParseMigrations(empty).status().code(), absl::StatusCode::kInvalidArgument);
  const EmbeddedFile bad[] = {{"1_a.sql", "SELECT 1;"}};
  EXPECT_EQ(ParseMigrations(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EmbedMigrationsTest, EmbedsEveryFileByteForByte) {
  absl::Span<const EmbeddedFile> files = testdata::EmbedTestFiles();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "0001_embed_a.sql");
  EXPECT_EQ(files[1].name, "0002_embed_b.sql");
  // CTest runs tests in libs/store (the folder of their CMakeLists.txt).
  for (const EmbeddedFile& file : files) {
    const std::string on_disk = ReadFile("tests/testdata/migrations/" + std::string(file.name));
    ASSERT_FALSE(on_disk.empty()) << file.name;
    EXPECT_EQ(file.contents, on_disk) << file.name;
  }
  // The first file holds quotes, a backslash, `)"` and UTF-8: nothing was escaped away.
  EXPECT_THAT(std::string(files[0].contents), HasSubstr("raw-string end )\" and non-ASCII: é €"));
}

TEST(EmbedMigrationsTest, BlendSchemaIsEmbeddedAndValid) {
  absl::StatusOr<std::vector<Migration>> migrations = BlendMigrations();
  ASSERT_TRUE(migrations.ok()) << migrations.status();
  ASSERT_FALSE(migrations->empty());
  EXPECT_EQ(migrations->front().version, 1);
  EXPECT_EQ(migrations->front().name, "init");
  EXPECT_EQ(migrations->front().checksum, MigrationChecksum(ReadFile("migrations/0001_init.sql")));
}

}  // namespace
}  // namespace blend::store

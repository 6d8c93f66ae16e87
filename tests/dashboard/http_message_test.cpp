#include "dashboard/http_message.h"

#include <gtest/gtest.h>

#include <string>

using hearth::dashboard::event_stream;
using hearth::dashboard::HttpRequest;
using hearth::dashboard::json_error;
using hearth::dashboard::json_escape;
using hearth::dashboard::parse_target;
using hearth::dashboard::percent_decode;
using hearth::dashboard::QueryList;

using namespace std::string_literals;

// ---- percent_decode ----------------------------------------------------------------------------

TEST(PercentDecode, DecodesEscapesInEitherCase) {
  EXPECT_EQ(percent_decode("a%20b", false), "a b");
  EXPECT_EQ(percent_decode("%2F%2f", false), "//");
  EXPECT_EQ(percent_decode("%C3%A9t%c3%a9", false), "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(percent_decode("", false), "");
}

TEST(PercentDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a%2Bb", true), "a+b");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("abc%", false));
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("%G0", false));
  EXPECT_FALSE(percent_decode("%0G", false));
  EXPECT_FALSE(percent_decode("%%41", false));
  EXPECT_FALSE(percent_decode("% 41", false));
}

TEST(PercentDecode, DecodesOnlyOnce) { EXPECT_EQ(percent_decode("%252e", false), "%2e"); }

// ---- parse_target: accepted ----------------------------------------------------------------------

TEST(ParseTarget, PlainPaths) {
  auto root = parse_target("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->path, "/");
  EXPECT_TRUE(root->query.empty());

  auto api = parse_target("/api/devices/kitchen-plug");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->path, "/api/devices/kitchen-plug");
}

TEST(ParseTarget, DecodesThePath) {
  auto parsed = parse_target("/api/rooms/living%20room/caf%C3%A9");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/api/rooms/living room/caf\xC3\xA9");
}

TEST(ParseTarget, PlusInPathIsLiteral) {
  auto parsed = parse_target("/files/a+b");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/files/a+b");
}

TEST(ParseTarget, EmptySegmentsAreKept) {
  auto parsed = parse_target("//api//x/");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "//api//x/");
}

TEST(ParseTarget, DotsInsideNamesAreFine) {
  for (const char* target : {"/static/app.js", "/static/..hidden", "/a/...", "/a/b..", "/.well-known/x"}) {
    auto parsed = parse_target(target);
    ASSERT_TRUE(parsed) << target;
    EXPECT_EQ(parsed->path, target);
  }
}

TEST(ParseTarget, DoubleEncodedDotsStayLiteral) {
  // Decoded exactly once, "%252e%252e" is the harmless name "%2e%2e", never "..".
  auto parsed = parse_target("/static/%252e%252e/x");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/static/%2e%2e/x");
}

TEST(ParseTarget, QueryDecoding) {
  auto parsed = parse_target("/api/search?q=living+room&room=kitchen%201&tag=a%2Bb&empty=&flag");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/api/search");
  const QueryList expected{{"q", "living room"}, {"room", "kitchen 1"}, {"tag", "a+b"}, {"empty", ""}, {"flag", ""}};
  EXPECT_EQ(parsed->query, expected);
}

TEST(ParseTarget, QueryKeepsOrderAndDuplicatesAndSkipsEmptyPairs) {
  auto parsed = parse_target("/x?a=1&&b=2&a=3&");
  ASSERT_TRUE(parsed);
  const QueryList expected{{"a", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_EQ(parsed->query, expected);
}

TEST(ParseTarget, QueryValueMayContainEqualsAndQuestionMark) {
  auto parsed = parse_target("/x?expr=a=b?c&k%3D=v");
  ASSERT_TRUE(parsed);
  const QueryList expected{{"expr", "a=b?c"}, {"k=", "v"}};
  EXPECT_EQ(parsed->query, expected);
}

TEST(ParseTarget, QueryMayContainEscapedNewlinesAndDots) {
  auto parsed = parse_target("/x?note=line1%0Aline2&path=../../etc");
  ASSERT_TRUE(parsed);
  const QueryList expected{{"note", "line1\nline2"}, {"path", "../../etc"}};
  EXPECT_EQ(parsed->query, expected);
}

TEST(ParseTarget, EmptyQuery) {
  auto parsed = parse_target("/x?");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/x");
  EXPECT_TRUE(parsed->query.empty());
}

// ---- parse_target: rejected ----------------------------------------------------------------------

TEST(ParseTarget, RejectsTargetsNotInOriginForm) {
  EXPECT_FALSE(parse_target(""));
  EXPECT_FALSE(parse_target("*"));
  EXPECT_FALSE(parse_target("api/devices"));
  EXPECT_FALSE(parse_target("http://example.com/api"));
  EXPECT_FALSE(parse_target("example.com:443"));
  EXPECT_FALSE(parse_target("?a=1"));
}

TEST(ParseTarget, RejectsTraversal) {
  for (const char* target : {
           "/..",
           "/../etc/passwd",
           "/static/../../etc/passwd",
           "/static/..",
           "/static/../",
           "/static/%2e%2e/%2e%2e/etc/passwd",
           "/static/%2E%2E/secret",
           "/static/.%2e/secret",
           "/static/%2e./secret",
           "/static/..%2f..%2fetc%2fpasswd",
           "/static%2f..%2f..%2fetc",
           "/static/./app.js",
           "/static/%2e/app.js",
           "/.",
       }) {
    EXPECT_FALSE(parse_target(target)) << target;
  }
}

TEST(ParseTarget, RejectsNulBytes) {
  EXPECT_FALSE(parse_target("/static/a%00.js"));
  EXPECT_FALSE(parse_target("/static/a\0.js"s));
  EXPECT_FALSE(parse_target("/x?a=%00"));
  EXPECT_FALSE(parse_target("/x?a%00=1"));
  EXPECT_FALSE(parse_target("/x?a=\0"s));
}

TEST(ParseTarget, RejectsControlCharactersInPath) {
  EXPECT_FALSE(parse_target("/a%0Ab"));
  EXPECT_FALSE(parse_target("/a%0d%0aSet-Cookie:x"));
  EXPECT_FALSE(parse_target("/a%7Fb"));
  EXPECT_FALSE(parse_target("/a\tb"));
}

TEST(ParseTarget, RejectsBadEscapes) {
  EXPECT_FALSE(parse_target("/a%"));
  EXPECT_FALSE(parse_target("/a%2"));
  EXPECT_FALSE(parse_target("/a%zz"));
  EXPECT_FALSE(parse_target("/x?q=%"));
  EXPECT_FALSE(parse_target("/x?q=100%"));
  EXPECT_FALSE(parse_target("/x?%gg=1"));
}

TEST(ParseTarget, RejectsFragments) { EXPECT_FALSE(parse_target("/index.html#top")); }

// ---- HttpRequest accessors -----------------------------------------------------------------------

TEST(HttpRequest, HeaderLookupIsCaseInsensitiveAndReturnsTheFirst) {
  HttpRequest request;
  request.headers = {{"content-type", "application/json"}, {"x-dup", "1"}, {"x-dup", "2"}};
  EXPECT_EQ(request.header("Content-Type"), "application/json");
  EXPECT_EQ(request.header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(request.header("x-dup"), "1");
  EXPECT_FALSE(request.header("accept"));
}

TEST(HttpRequest, QueryParam) {
  HttpRequest request;
  request.query = {{"room", "kitchen"}, {"room", "hall"}, {"empty", ""}};
  EXPECT_EQ(request.query_param("room"), "kitchen");
  EXPECT_EQ(request.query_param("empty"), "");
  EXPECT_FALSE(request.query_param("Room"));
  EXPECT_FALSE(request.query_param("missing"));
}

// ---- JSON helpers ----------------------------------------------------------------------------------

TEST(JsonEscape, PassesPlainTextThrough) {
  EXPECT_EQ(json_escape(""), "");
  EXPECT_EQ(json_escape("device not found"), "device not found");
  EXPECT_EQ(json_escape("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5");
  EXPECT_EQ(json_escape("</script>"), "</script>");
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_escape("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(json_escape("C:\\path"), "C:\\\\path");
  EXPECT_EQ(json_escape("a\nb\rc\td\be\ff"), "a\\nb\\rc\\td\\be\\ff");
  EXPECT_EQ(json_escape("\x01\x1f"), "\\u0001\\u001f");
  EXPECT_EQ(json_escape("nul:\0!"s), "nul:\\u0000!");
}

TEST(JsonEscape, ReplacesInvalidUtf8) {
  EXPECT_EQ(json_escape("a\xFF"
                        "b"),
            "a\\ufffdb");
  EXPECT_EQ(json_escape("\xC3"), "\\ufffd");                                   // truncated sequence
  EXPECT_EQ(json_escape("\xC0\xAF"), "\\ufffd\\ufffd");                        // overlong '/'
  EXPECT_EQ(json_escape("\xED\xA0\x80"), "\\ufffd\\ufffd\\ufffd");             // UTF-16 surrogate
  EXPECT_EQ(json_escape("\xF4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // above U+10FFFF
}

TEST(JsonError, BuildsAnEscapedJsonBody) {
  const auto response = json_error(404, "no device \"x\"\n");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":"no device \"x\"\n"})");
  EXPECT_FALSE(response.sse_channel);
}

TEST(EventStream, AsksForAStreamOnTheChannel) {
  const auto response = event_stream("readings");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.sse_channel, "readings");
  EXPECT_EQ(response.content_type, "text/event-stream");
}

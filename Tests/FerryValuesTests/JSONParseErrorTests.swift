import FerryValues
import Foundation
import Testing

/// Where the one JSON parser says a text goes wrong: the line and column an editor jumps to, and what was expected
/// there (config.json's syntax errors are these).
@Suite struct JSONParseErrorTests {
    private func error(_ text: String) throws -> JSONParseError {
        do {
            _ = try JSONValue.parse(text)
        } catch {
            return error
        }
        throw Unexpected(text: text)
    }

    private struct Unexpected: Error { var text: String }

    @Test(arguments: [
        ("{\n  \"logLevel\": \"info\",\n  \"stages\": [ ,\n}", 3, 15, "a value expected, found ','"),
        ("{\"a\": 1,}", 1, 9, "a trailing comma before '}': remove it"),
        ("[1, 2, ]", 1, 8, "a trailing comma before ']': remove it"),
        ("{\"a\": 1 \"b\": 2}", 1, 9, "',' or '}' expected, found '\"'"),
        ("[1 2]", 1, 4, "',' or ']' expected, found '2'"),
        ("{\"a\" 1}", 1, 6, "':' expected after the key, found '1'"),
        ("{a: 1}", 1, 2, "a key in double quotes expected, found 'a'"),
        ("{\"a\": tru}", 1, 7, "a value expected, found 't'"),
        ("{\"a\": 1", 1, 8, "',' or '}' expected, found the end of the file"),
        ("", 1, 1, "a value expected, found the end of the file"),
        ("{} x", 1, 4, "text after the end of the JSON value, found 'x'"),
        ("01", 1, 2, "text after the end of the JSON value, found '1'"),
        ("[-]", 1, 2, "a number expected"),
        ("[1.]", 1, 4, "a digit expected after '.', found ']'"),
        ("{\n\"a\": \"never closed", 2, 6, "a string that is never closed"),
        ("{\"a\": \"two\nlines\"}", 1, 11, "a control character (a line break?) inside a string: close the string or escape it"),
        ("[\"\\q\"]", 1, 3, "an unknown escape '\\q' in a string"),
    ])
    func aSyntaxErrorSaysItsLineColumnAndWhatWasExpected(
        text: String, line: Int, column: Int, reason: String
    ) throws {
        let error = try error(text)
        #expect(error.reason == reason)
        #expect((error.line, error.column) == (line, column), "\(error)")
        #expect(error.location == "line \(line), column \(column): \(reason)")
    }

    @Test func columnsCountCharactersNotBytes() throws {
        // "é" and "€" are two and three bytes in UTF-8; an editor shows each as one column.
        let error = try error("{\"café\": \"€\" ]")
        #expect((error.line, error.column) == (1, 14), "\(error)")
        #expect(error.offset == 16)
    }

    @Test func aByteOrderMarkIsNoColumn() throws {
        let error = try error("\u{FEFF}[1,,]")
        #expect((error.line, error.column) == (1, 4), "\(error)")
    }

    @Test func nestingIsBoundedWithoutOverflowingTheStack() throws {
        let error = try error(String(repeating: "[", count: 100_000))
        #expect(error.reason == "nested more than 512 deep")
        #expect(error.column == 512)
    }
}

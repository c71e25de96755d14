namespace ClickHouse.Emulator.Http;

/// <summary>
/// ClickHouse's mapping of exception codes to HTTP statuses (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp),
/// so clients that branch on the status see what a server would send. Note that ClickHouse answers
/// 404 for unknown identifiers and types too, not only for unknown tables.
/// </summary>
internal static class ClickHouseError
{
    private static readonly HashSet<int> BadRequest =
    [
        36,  // BAD_ARGUMENTS
        427, // CANNOT_COMPILE_REGEXP
        6,   // CANNOT_PARSE_TEXT
        25,  // CANNOT_PARSE_ESCAPE_SEQUENCE
        26,  // CANNOT_PARSE_QUOTED_STRING
        38,  // CANNOT_PARSE_DATE
        41,  // CANNOT_PARSE_DATETIME
        72,  // CANNOT_PARSE_NUMBER
        441, // CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING
        675, // CANNOT_PARSE_IPV4
        676, // CANNOT_PARSE_IPV6
        27,  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
        376, // CANNOT_PARSE_UUID
        15,  // DUPLICATE_COLUMN
        44,  // ILLEGAL_COLUMN
        37,  // UNKNOWN_ELEMENT_IN_AST
        123, // UNKNOWN_TYPE_OF_AST_NODE
        8,   // THERE_IS_NO_COLUMN
        167, // TOO_DEEP_AST
        168, // TOO_BIG_AST
        223, // UNEXPECTED_AST_STRUCTURE
        62,  // SYNTAX_ERROR
        117, // INCORRECT_DATA
        53,  // TYPE_MISMATCH
        321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
    ];

    private static readonly HashSet<int> NotFound =
    [
        60,  // UNKNOWN_TABLE
        46,  // UNKNOWN_FUNCTION
        47,  // UNKNOWN_IDENTIFIER
        50,  // UNKNOWN_TYPE
        56,  // UNKNOWN_STORAGE
        81,  // UNKNOWN_DATABASE
        115, // UNKNOWN_SETTING
        152, // UNKNOWN_DIRECTION_OF_SORTING
        63,  // UNKNOWN_AGGREGATE_FUNCTION
        73,  // UNKNOWN_FORMAT
        336, // UNKNOWN_DATABASE_ENGINE
        78,  // UNKNOWN_TYPE_OF_QUERY
        511, // UNKNOWN_ROLE
    ];

    public static int ToHttpStatus(int code) => code switch
    {
        194 => StatusCodes.Status401Unauthorized, // REQUIRED_PASSWORD
        192 or 193 or 516 or 512 or 497 => StatusCodes.Status403Forbidden, // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, SET_NON_GRANTED_ROLE, ACCESS_DENIED
        _ when BadRequest.Contains(code) => StatusCodes.Status400BadRequest,
        _ when NotFound.Contains(code) => StatusCodes.Status404NotFound,
        229 => StatusCodes.Status413PayloadTooLarge, // QUERY_IS_TOO_LARGE
        48 => StatusCodes.Status501NotImplemented, // NOT_IMPLEMENTED
        209 or 76 or 439 => StatusCodes.Status503ServiceUnavailable, // SOCKET_TIMEOUT, CANNOT_OPEN_FILE, CANNOT_SCHEDULE_TASK
        381 => StatusCodes.Status411LengthRequired, // HTTP_LENGTH_REQUIRED
        159 => StatusCodes.Status408RequestTimeout, // TIMEOUT_EXCEEDED
        779 => StatusCodes.Status415UnsupportedMediaType, // UNSUPPORTED_MEDIA_TYPE
        _ => StatusCodes.Status500InternalServerError,
    };
}

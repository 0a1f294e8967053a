import MagentoConnector

// FerryPipeline has a JSONValue and a RetryPolicy of its own (config values, the engine's file retries); inside
// this module the names mean the HTTP client's, which Sage 200's JSON and calls go through.
typealias JSONValue = MagentoConnector.JSONValue
typealias RetryPolicy = MagentoConnector.RetryPolicy

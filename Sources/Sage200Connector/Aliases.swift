import MagentoConnector

// FerryPipeline has a RetryPolicy of its own (the engine's file retries); inside this module the name means the
// HTTP client's, which Sage 200's calls go through.
typealias RetryPolicy = MagentoConnector.RetryPolicy

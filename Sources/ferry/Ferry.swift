import ArgumentParser

@main
struct Ferry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "File-drop integration between Magento 2 and Sage.")
}

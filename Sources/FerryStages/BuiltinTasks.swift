import FerryPipeline

/// Every task ferry ships, by config name. A new task is one file with its `TaskKind`, listed here.
public enum BuiltinTasks {
    /// The registry `ferry` uses.
    public static var registry: TaskRegistry {
        TaskRegistry([XSLTTask.kind] + MagentoTasks.all + SageTasks.all
            + [Sage200ImportOrdersTask.kind]
            + [Sage200ExportStockTask.kind])
    }
}

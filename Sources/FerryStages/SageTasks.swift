import FerryPipeline

/// The Sage side's tasks, for the registry in `BuiltinTasks.swift`.
public enum SageTasks {
    /// `magento-orders-to-sage-orders`, `sage-success-to-magento-updates`, `sage-products-to-magento-inventory`,
    /// `sage-failed-report`.
    public static let all: [TaskKind] = [
        MapOrdersTask.kind, MapSuccessTask.kind, MapStockTask.kind, SageFailedReportTask.kind,
    ]
}

/**
 * @module What the placement database layer refuses, with placement's exception messages; the
 * handlers decide the status and error code of each (the same refusal is a 400 in one API and a
 * 409 in another, as in placement).
 */
export class PlacementRefusal extends Error {}

/** A provider's generation moved between our read and our write. */
export class ProviderGenerationConflict extends PlacementRefusal {
  constructor() {
    super('Another thread concurrently updated the resource provider data. Please retry your update')
  }
}

/** A consumer's generation moved, or its row appeared or vanished, meanwhile. */
export class ConsumerGenerationConflict extends PlacementRefusal {
  constructor() {
    super('Another thread concurrently updated the data. Please retry your update')
  }
}

export class InventoryInUse extends PlacementRefusal {
  constructor(classes: string[], provider: string) {
    super(`Inventory for '${classes.join(', ')}' on resource provider '${provider}' in use.`)
  }
}

/** An allocation against a class the provider has no inventory of. */
export class InvalidInventory extends PlacementRefusal {
  constructor(resourceClass: string, provider: string) {
    super(`Inventory for '${resourceClass}' on resource provider '${provider}' invalid.`)
  }
}

export class CapacityExceeded extends InvalidInventory {
  constructor(resourceClass: string, provider: string) {
    super(resourceClass, provider)
    this.message = `Unable to create allocation for '${resourceClass}' on resource provider '${provider}'. The requested amount would exceed the capacity.`
  }
}

export class ConstraintsViolated extends InvalidInventory {
  constructor(resourceClass: string, provider: string) {
    super(resourceClass, provider)
    this.message = `Unable to create allocation for '${resourceClass}' on resource provider '${provider}'. The requested amount would violate inventory constraints.`
  }
}

export class ResourceClassNotFound extends PlacementRefusal {
  constructor(names: string[]) {
    super(`No such resource class ${names.join(', ')}.`)
  }
}

export class TraitNotFound extends PlacementRefusal {
  constructor(names: string[]) {
    super(`No such trait(s): ${names.join(', ')}.`)
  }
}

/** A provider named in a write does not exist (any more). */
export class ProviderNotFound extends PlacementRefusal {
  readonly uuid: string
  constructor(uuid: string) {
    super(`No resource provider with uuid ${uuid} found`)
    this.uuid = uuid
  }
}

//! Departments, companies, people and their roles (read only; changed with the CLI).

use super::*;

// organisation ----------

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    p: PageMeta,
    units: Vec<UnitRow>,
    people: Vec<(PersonRow, Vec<String>)>,
}

impl OrganisationPage {
    fn unit_name<I: std::borrow::Borrow<Option<i64>>>(&self, id: I) -> String {
        let id = id.borrow();
        id.and_then(|id| self.units.iter().find(|u| u.id == id)).map(|u| u.name.clone()).unwrap_or_default()
    }

    fn person_name<I: std::borrow::Borrow<Option<i64>>>(&self, id: I) -> String {
        let id = id.borrow();
        id.and_then(|id| self.people.iter().find(|(p, _)| p.id == id))
            .map(|(p, _)| p.name.clone())
            .unwrap_or_else(|| "–".into())
    }
}

pub async fn organisation(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    let mut people = Vec::new();
    for person in st.svc.store.people().await? {
        let roles =
            st.svc.store.grants(person.id).await?.into_iter().map(|g| g.role.label().get(lang).to_string()).collect();
        people.push((person, roles));
    }
    let p = staff.page(
        lang,
        lang.t("Organisation och roller", "Organisation and roles"),
        "organisation",
        "/app/organisation",
        &st,
    );
    Ok(render(StatusCode::OK, &OrganisationPage { p, units: st.svc.store.units().await?, people }))
}
